// Type declarations for the parts of wink-nlp-utils (a dev dependency, which ships none) that the
// benchmark baseline uses.
declare module "wink-nlp-utils" {
  interface WinkNlpUtils {
    string: { lowerCase(text: string): string; tokenize0(text: string): string[] };
    tokens: { removeWords(tokens: string[]): string[]; stem(tokens: string[]): string[] };
  }
  const nlp: WinkNlpUtils;
  export default nlp;
}
