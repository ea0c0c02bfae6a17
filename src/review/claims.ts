// Claims: the sentences of a written answer that carry citations, each checked against the passages
// it cites. Pure: splitting a draft into claims, the lexical support score (the check without a
// model, and the fallback when the model cannot judge), what a verdict does to a claim, and putting
// the text back together from the claims that stand.
import { splitSentences } from "../index/chunker.js";
import { termCoverage } from "./extractive.js";

export type ClaimSection = "answer" | "finding" | "agreement" | "disagreement";
export type Verdict = "supported" | "partially" | "unsupported";
export type VerdictMethod = "model" | "lexical" | "citation-check";
export type ClaimAction = "kept" | "rewritten" | "dropped";

/** One sentence of a draft: its text with the evidence keys taken out, and the keys it cited. */
export interface DraftSentence {
  /** The sentence as written, keys and all. */
  raw: string;
  /** Without citations, as a reader would state the claim. */
  text: string;
  /** Evidence keys cited (upper case, in order, no repeats), known or not. */
  keys: string[];
}

/** One item of a draft section (the answer paragraph, or one finding) cut into sentences. */
export interface DraftItem {
  section: ClaimSection;
  /** Position of the item within its section. */
  item: number;
  sentences: DraftSentence[];
}

/** How a claim was judged. */
export interface ClaimJudgement {
  verdict: Verdict;
  method: VerdictMethod;
  /** Lexical support, 0–1 (lexical method only). */
  score: number | null;
  /** The passage text that decided, with the key of its evidence. */
  decidingQuote: { key: string; text: string } | null;
  /** The claim restated to say only what the passages support; empty when nothing can be said. */
  revision: string;
}

const KEY_GROUP = /\s*(?:\[\s*E\d+(?:\s*[,;]\s*E\d+)*\s*\])+/gi;
const LEADING_KEY_GROUP = /^(?:\s*\[\s*E\d+(?:\s*[,;]\s*E\d+)*\s*\])+/i;

/** Lexical support at or above this is "supported", at or above PARTIAL "partially", else "unsupported". */
export const LEXICAL_SUPPORTED = 0.75;
export const LEXICAL_PARTIAL = 0.5;

/**
 * The sentences of a text with the keys each cites. Citations written after a sentence's full
 * stop ("… holin. [E1]") belong to that sentence, not the next.
 */
export function splitDraftSentences(text: string): DraftSentence[] {
  const spans = splitSentences(text).map((span) => span.text);
  const merged: string[] = [];
  for (const span of spans) {
    const leading = LEADING_KEY_GROUP.exec(span)?.[0];
    if (leading && merged.length > 0) {
      merged[merged.length - 1] = `${merged[merged.length - 1] ?? ""} ${leading.trim()}`;
      const rest = span.slice(leading.length).trim();
      if (rest.length > 0) merged.push(rest);
    } else {
      merged.push(span);
    }
  }
  return merged.map((raw) => ({ raw, text: withoutKeys(raw), keys: keysOf(raw) }));
}

export function keysOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\bE\d+\b/gi)].filter((match) => isInsideKeyGroup(text, match.index)).map((match) => match[0].toUpperCase()))];
}

function isInsideKeyGroup(text: string, index: number): boolean {
  const open = text.lastIndexOf("[", index);
  const close = text.lastIndexOf("]", index);
  return open > close;
}

/** The text with its evidence-key citations removed and the spacing before punctuation tidied. */
export function withoutKeys(text: string): string {
  return text.replace(KEY_GROUP, "").replace(/\s+([.,;:])/g, "$1").trim();
}

/**
 * Share of the claim's content terms (stemmed, stop words left out) found in the passages, and the
 * sentence of the passages that shares the most of them.
 */
export function lexicalSupport(claim: string, passages: readonly { key: string; text: string }[]): { score: number; best: { key: string; text: string } | null } {
  const all = passages.map((passage) => passage.text).join("\n");
  const score = termCoverage(claim, all, () => 1);
  let best: { key: string; text: string } | null = null;
  let bestScore = 0;
  for (const passage of passages) {
    for (const sentence of splitSentences(passage.text)) {
      const sentenceScore = termCoverage(claim, sentence.text, () => 1);
      if (sentenceScore > bestScore) {
        bestScore = sentenceScore;
        best = { key: passage.key, text: sentence.text };
      }
    }
  }
  return { score, best };
}

export function lexicalVerdict(score: number): Verdict {
  if (score >= LEXICAL_SUPPORTED) return "supported";
  return score >= LEXICAL_PARTIAL ? "partially" : "unsupported";
}

/** A judgement from the lexical score alone. */
export function judgeLexically(claim: string, passages: readonly { key: string; text: string }[]): ClaimJudgement {
  const support = lexicalSupport(claim, passages);
  return { verdict: lexicalVerdict(support.score), method: "lexical", score: Number(support.score.toFixed(3)), decidingQuote: support.best, revision: "" };
}

/**
 * What a judgement does to a claim: supported claims stay; partly supported ones are restated when
 * the judge gave a restatement; unsupported ones are restated when it could say what the passages
 * do support, and dropped otherwise. A lexical judgement cannot restate, so it keeps or drops.
 */
export function actionFor(judgement: ClaimJudgement): ClaimAction {
  const canRewrite = judgement.method === "model" && judgement.revision.trim().length > 0;
  if (judgement.verdict === "supported") return "kept";
  if (judgement.verdict === "partially") return canRewrite ? "rewritten" : "kept";
  return canRewrite ? "rewritten" : "dropped";
}

/** A restated claim with the evidence keys of the claim it replaces. */
export function rewrittenSentence(revision: string, keys: readonly string[]): string {
  const body = revision.trim().replace(KEY_GROUP, "").replace(/[\s.]+$/, "");
  return `${body} ${keys.map((key) => `[${key}]`).join("")}.`;
}

/** Cut each section item of a draft into sentences. */
export function draftItems(sections: Record<ClaimSection, readonly string[]>): DraftItem[] {
  return (Object.entries(sections) as [ClaimSection, readonly string[]][]).flatMap(([section, items]) =>
    items.map((text, item) => ({ section, item, sentences: splitDraftSentences(text) })),
  );
}

export interface MappedCitations {
  /** The text with `[n]` (or `[n, m]`) for cited evidence, unknown keys removed. */
  text: string;
  /** Evidence keys in order of first citation. */
  citedKeys: string[];
  /** Keys the model cited that were not in the evidence. */
  unknownKeys: string[];
}

/**
 * Replace evidence keys by reference numbers. `numberFor` hands out a paper's number (papers are
 * numbered by first citation, several evidence keys may share one paper).
 */
export function mapCitations(text: string, known: ReadonlyMap<string, { paperId: string }>, numberFor: (paperId: string) => number): MappedCitations {
  const citedKeys: string[] = [];
  const unknownKeys: string[] = [];
  // A bracketed number the model wrote itself would read as one of ours: drop it.
  const withoutStrayNumbers = text.replace(/\s*\[\d+(?:\s*[,–-]\s*\d+)*\]/g, "");
  const mapped = withoutStrayNumbers.replace(/\s*((?:\[\s*E\d+(?:\s*,\s*E\d+)*\s*\])+)/gi, (group: string) => {
    const keys = [...group.matchAll(/E\d+/gi)].map((match) => match[0].toUpperCase());
    const numbers: number[] = [];
    for (const key of keys) {
      const item = known.get(key);
      if (!item) {
        unknownKeys.push(key);
        continue;
      }
      if (!citedKeys.includes(key)) citedKeys.push(key);
      const number = numberFor(item.paperId);
      if (!numbers.includes(number)) numbers.push(number);
    }
    return numbers.length > 0 ? ` [${numbers.join(", ")}]` : "";
  });
  return { text: mapped.replace(/\s+([.,;:])/g, "$1").trim(), citedKeys, unknownKeys };
}

/** A checked claim as the review reports it. */
export interface CheckedClaim {
  section: ClaimSection;
  /** The claim as shown, with [n] citations; a dropped claim's draft text without citations. */
  text: string;
  /** The draft's sentence, without citations. */
  draftText: string;
  citations: number[];
  evidenceKeys: string[];
  verdict: Verdict;
  method: VerdictMethod;
  supportScore: number | null;
  action: ClaimAction;
  decidingQuote: { key: string; text: string } | null;
}

export interface AssembledReview {
  answer: string;
  findings: string[];
  agreement: string[];
  disagreement: string[];
  claims: CheckedClaim[];
  /** Keys cited that were never given (removed from the text). */
  unknownKeys: string[];
  /** Evidence keys cited by the text as shown, in order of first citation. */
  citedKeys: string[];
}

/**
 * The sections as shown after every claim's judgement is applied: kept claims as written, rewritten
 * ones restated, dropped ones left out (a finding, agreement or disagreement left without any
 * cited sentence goes too). Keys become reference numbers in the order the text is read.
 * Sentences without a citation are not claims; they stay only where a claim stands beside them.
 */
export function assembleSections(
  items: readonly DraftItem[],
  judgementOf: (sentence: DraftSentence) => ClaimJudgement | undefined,
  known: ReadonlyMap<string, { paperId: string }>,
  numberFor: (paperId: string) => number,
): AssembledReview {
  const assembled: AssembledReview = { answer: "", findings: [], agreement: [], disagreement: [], claims: [], unknownKeys: [], citedKeys: [] };
  for (const { section, sentences } of items) {
    const shown: string[] = [];
    let standing = 0;
    for (const sentence of sentences) {
      assembled.unknownKeys.push(...sentence.keys.filter((key) => !known.has(key)));
      const judgement = judgementOf(sentence);
      if (sentence.keys.length === 0 || !judgement) {
        shown.push(mapInto(assembled, sentence.raw, known, numberFor));
        continue;
      }
      const action = actionFor(judgement);
      const knownKeys = sentence.keys.filter((key) => known.has(key));
      const written = action === "dropped" ? undefined : action === "rewritten" ? rewrittenSentence(judgement.revision, knownKeys) : sentence.raw;
      const text = written === undefined ? sentence.text : mapInto(assembled, written, known, numberFor);
      if (written !== undefined) {
        shown.push(text);
        standing += 1;
      }
      assembled.claims.push({
        section,
        text,
        draftText: sentence.text,
        citations: written === undefined ? [] : citationNumbers(text),
        evidenceKeys: sentence.keys,
        verdict: judgement.verdict,
        method: judgement.method,
        supportScore: judgement.score,
        action,
        decidingQuote: judgement.decidingQuote,
      });
    }
    const text = shown.filter((part) => part.length > 0).join(" ");
    if (section === "answer") assembled.answer = text;
    else if (standing > 0) assembled[sectionList(section)].push(text);
  }
  return assembled;
}

function sectionList(section: Exclude<ClaimSection, "answer">): "findings" | "agreement" | "disagreement" {
  return section === "finding" ? "findings" : section;
}

function mapInto(assembled: AssembledReview, text: string, known: ReadonlyMap<string, { paperId: string }>, numberFor: (paperId: string) => number): string {
  // Unknown keys are counted once per sentence by the caller; here they only disappear.
  const mapped = mapCitations(text, known, numberFor);
  for (const key of mapped.citedKeys) if (!assembled.citedKeys.includes(key)) assembled.citedKeys.push(key);
  return mapped.text;
}

/** The reference numbers cited in a text, in order, without repeats. */
export function citationNumbers(text: string): number[] {
  const numbers = [...text.matchAll(/\[(\d+(?:, \d+)*)\]/g)].flatMap((match) => (match[1] ?? "").split(", ").map(Number));
  return [...new Set(numbers)];
}
