// The citation property every review must have, checked on every review the built CLI prints or
// writes in the test suite (runCli and spawnCli call checkCliReviews): each [n] in the text
// resolves to exactly one reference, every reference is cited at least once, and no evidence key
// ([E3]) is ever shown.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

/** Markdown reviews: citations outside the References section against the numbered list in it. */
export function checkMarkdownCitations(markdown: string): void {
  const split = markdown.indexOf("\n## References\n");
  if (split < 0) throw new Error("a Markdown review without a References section");
  const body = markdown.slice(0, split);
  const listed = [...markdown.slice(split).matchAll(/^(\d+)\. /gm)].map((match) => Number(match[1]));
  const cited = [...body.matchAll(/(?<!\\)\[(\d+(?:, \d+)*)\](?!\()/g)].flatMap((match) => (match[1] ?? "").split(", ").map(Number));
  const leftoverKey = /(?<!\\)\[E\d+/.exec(body);
  if (leftoverKey) throw new Error(`an evidence key is shown in the review: ${leftoverKey[0]}`);
  checkNumbers(listed, cited);
}

interface ReviewLike {
  schemaVersion: string;
  mode: "extractive" | "llm";
  answer: string;
  keyFindings?: string[];
  agreement?: string[];
  disagreement?: string[];
  claims?: { text: string; citations: number[]; action: string; decidingQuote: { citation: number } | null }[];
  evidence: { citation: number | null }[];
  answerQuotes: { citation: number }[];
  findings: { citation: number }[];
  references: { number: number }[];
}

/** JSON reviews: every citation field against the reference numbers. */
export function checkJsonCitations(review: ReviewLike): void {
  // Model-written text only: an extractive answer quotes sources verbatim, with their own brackets.
  const texts = review.mode === "llm" ? [review.answer, ...(review.keyFindings ?? []), ...(review.agreement ?? []), ...(review.disagreement ?? [])] : [];
  const shownClaims = (review.claims ?? []).filter((claim) => claim.action !== "dropped");
  for (const text of [...texts, ...shownClaims.map((claim) => claim.text)]) {
    if (/\[E\d+/.test(text)) throw new Error(`an evidence key is shown in the review: ${text}`);
  }
  const cited = [
    ...texts.flatMap((text) => [...text.matchAll(/\[(\d+(?:, \d+)*)\]/g)].flatMap((match) => (match[1] ?? "").split(", ").map(Number))),
    ...(review.claims ?? []).flatMap((claim) => [...claim.citations, ...(claim.decidingQuote ? [claim.decidingQuote.citation] : [])]),
    ...review.evidence.flatMap((item) => (item.citation === null ? [] : [item.citation])),
    ...review.answerQuotes.map((quote) => quote.citation),
    ...review.findings.map((quote) => quote.citation),
  ];
  checkNumbers(
    review.references.map((reference) => reference.number),
    cited,
  );
}

function checkNumbers(listed: number[], cited: number[]): void {
  const expected = listed.map((_, index) => index + 1);
  if (JSON.stringify(listed) !== JSON.stringify(expected)) throw new Error(`references are not numbered 1..${listed.length} once each: ${listed.join(", ")}`);
  const dangling = [...new Set(cited)].filter((number) => !listed.includes(number));
  if (dangling.length > 0) throw new Error(`cited numbers with no reference: ${dangling.join(", ")}`);
  const uncited = listed.filter((number) => !cited.includes(number));
  if (uncited.length > 0) throw new Error(`references never cited: ${uncited.join(", ")}`);
}

/** Check a printed or written output when it is a review (Markdown or JSON); anything else is left alone. */
export function checkReviewText(text: string): boolean {
  if (text.startsWith("# ") && text.includes("\n## References\n")) {
    checkMarkdownCitations(text);
    return true;
  }
  if (!text.trimStart().startsWith("{")) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof parsed !== "object" || parsed === null || !("schemaVersion" in parsed) || !("references" in parsed)) return false;
  checkJsonCitations(parsed as ReviewLike);
  return true;
}

/** Reviews a CLI run printed on stdout or wrote with --out FILE or --out-dir DIR. */
export function checkCliReviews(args: readonly string[], cwd: string, stdout: string): void {
  const where = (what: string, check: () => void) => {
    try {
      check();
    } catch (error) {
      throw new Error(`citation property violated by ${what} of \`litreview ${args.join(" ")}\`: ${(error as Error).message}`);
    }
  };
  where("stdout", () => checkReviewText(stdout));
  const option = (name: string) => {
    const index = args.indexOf(name);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const out = option("--out");
  const files = out ? [resolve(cwd, out)] : [];
  const outDir = option("--out-dir");
  if (outDir && existsDirectory(resolve(cwd, outDir))) {
    files.push(...readdirSync(resolve(cwd, outDir)).filter((name) => /\.(md|json)$/.test(name)).map((name) => join(resolve(cwd, outDir), name)));
  }
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    where(file, () => checkReviewText(text));
  }
}

function existsDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
