// Type declarations for the wink packages, which ship none. Only what this project calls.

declare module "wink-porter2-stemmer" {
  /** Porter2 (Snowball English) stem of one lower-case word. */
  export default function stem(word: string): string;
}

declare module "wink-bm25-text-search" {
  export interface WinkBm25Config {
    fldWeights: Record<string, number>;
    bm25Params?: { k1?: number; b?: number; k?: number };
    ovFldNames?: string[];
  }

  export interface WinkDocumentStats {
    /** Token index → consolidated weight: saturated, length-normalised term frequency × idf. */
    freq: Record<number, number>;
    length: number;
  }

  export interface WinkBm25 {
    defineConfig(config: WinkBm25Config): boolean;
    /** A pipeline: each task takes the previous output (the first takes the field text). */
    definePrepTasks(tasks: Array<(input: never) => unknown>, field?: string): number;
    /** Field name → text, or tokens when the prep tasks pass them through. */
    addDoc(doc: Record<string, string | string[]>, id: string): number;
    consolidate(frequencyPrecision?: number): boolean;
    search(text: string, limit?: number): Array<[string, number]>;
    getDocs(): Record<string, WinkDocumentStats>;
    getTokens(): Record<string, number>;
    getIDF(): number[];
    getTotalDocs(): number;
  }

  export default function bm25(): WinkBm25;
}
