// Where a benchmark question's known source paper got to on its way through the pipeline:
// found → screened in (read) → read in full text → a top-ranked passage → the key passage among the
// top-ranked passages → evidence → cited in the review's text. Pure: it reads a review's trace.
import type { ReviewTrace } from "../agent/review-question.js";
import { normaliseDoi } from "../fulltext/paper.js";
import { citationNumbers } from "../review/claims.js";
import type { Review } from "../review/schema.js";
import type { PaperIds } from "../types.js";

export const SOURCE_STAGES = ["found", "screened", "fullText", "topK", "keyPassage", "evidence", "cited"] as const;
export type SourceStage = (typeof SOURCE_STAGES)[number];

/** Per stage, whether a source paper reached it; null when it cannot be judged (no key passage). */
export type StageFlags = Record<SourceStage, boolean | null>;

/** Whether a paper with these identifiers is one of a question's source papers. */
export type PaperMatcher = (ids: PaperIds) => boolean;

/** A DOI as compared here: bare (no doi.org prefix) and lowercase, since DOIs are case-insensitive. */
export function comparableDoi(raw: string): string | undefined {
  return normaliseDoi(raw)?.toLowerCase();
}

/** Matches papers whose DOI is one of `dois` (URLs, `doi:` forms or bare DOIs, any case). */
export function doiMatcher(dois: readonly string[]): PaperMatcher {
  const wanted = new Set(dois.flatMap((doi) => comparableDoi(doi) ?? []));
  return (ids) => ids.doi !== undefined && wanted.has(comparableDoi(ids.doi) ?? "");
}

export function pmidMatcher(pmid: string): PaperMatcher {
  return (ids) => ids.pmid === pmid;
}

/** The share of the key passage's distinct words that the passages must hold between them. */
const KEY_PASSAGE_COVERAGE = 0.8;

/** Distinct lowercase word tokens (runs of letters and digits). */
function wordTokens(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/**
 * Whether the passages together hold at least 80% of the key passage's distinct word tokens. The
 * union of passages, not one passage, because a key passage can be longer than a chunk or straddle
 * two; the passages given are one paper's top-ranked ones, so words from elsewhere cannot count.
 */
export function keyPassageCovered(keyPassage: string, passages: readonly string[]): boolean {
  const wanted = wordTokens(keyPassage);
  if (wanted.size === 0) return false;
  const present = new Set(passages.flatMap((passage) => [...wordTokens(passage)]));
  let covered = 0;
  for (const token of wanted) if (present.has(token)) covered += 1;
  return covered / wanted.size >= KEY_PASSAGE_COVERAGE;
}

/** The parts of a review written as text: the answer, key findings, agreement and disagreement. */
export type ReviewText = Pick<Review, "answer" | "keyFindings" | "agreement" | "disagreement">;

export function reviewTexts(review: ReviewText): string[] {
  return [review.answer, ...review.keyFindings, ...review.agreement, ...review.disagreement];
}

/** The reference numbers the review's text cites (`[1]`, `[2, 3]`); not its evidence table. */
export function textCitations(review: ReviewText): Set<number> {
  return new Set(reviewTexts(review).flatMap(citationNumbers));
}

/**
 * The stages a source paper reached. `cited` means cited in the review's text (answer, key findings,
 * agreement, disagreement): the reference list also numbers papers shown only in the evidence table.
 */
export function sourceStages(trace: ReviewTrace, review: ReviewText & Pick<Review, "references">, isSource: PaperMatcher, keyPassage: string | null): StageFlags {
  const sourcePapers = trace.papers.filter((paper) => isSource(paper.record.ids));
  const sourceIds = new Set(sourcePapers.map((paper) => paper.record.id));
  const topChunks = trace.topChunks.filter((chunk) => sourceIds.has(chunk.paperId));
  const cited = textCitations(review);
  return {
    found: trace.found.some((record) => isSource(record.ids)),
    screened: sourcePapers.length > 0,
    fullText: sourcePapers.some((paper) => paper.document.access === "fulltext"),
    topK: topChunks.length > 0,
    keyPassage: keyPassage === null ? null : keyPassageCovered(keyPassage, topChunks.map((chunk) => chunk.text)),
    evidence: trace.evidence.some((item) => sourceIds.has(item.paperId)),
    cited: review.references.some((reference) => cited.has(reference.number) && isSource(reference.ids)),
  };
}

/** Every stage missed: a question-run that ended without a review. */
export function noStages(keyPassage: string | null): StageFlags {
  return { found: false, screened: false, fullText: false, topK: false, keyPassage: keyPassage === null ? null : false, evidence: false, cited: false };
}
