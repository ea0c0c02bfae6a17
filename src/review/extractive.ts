// Extractive answering: pick the source sentences that best answer the question, without a
// language model. Pure: ranked chunks in, scored sentences out.
import { splitSentences } from "../index/chunker.js";
import { buildIndex } from "../index/bm25.js";
import { tokenize } from "../index/tokenizer.js";
import type { RankedChunk } from "../types.js";

export interface SentenceCandidate {
  paperId: string;
  chunkId: string;
  sectionPath: string[];
  /** Offsets inside the section's text (chunk offset + offset inside the chunk). */
  start: number;
  end: number;
  text: string;
  /** Combined relevance: sentence BM25 (normalised) plus the chunk's rank and a conclusion cue. */
  score: number;
}

export interface ExtractiveOptions {
  /** How many quoted findings at most. */
  findings: number;
  /** At most this many findings from one paper. */
  perPaper: number;
  /** Below this share of the question's (idf-weighted) terms in the best passage, answer "insufficient". */
  minCoverage: number;
}

export interface ExtractiveSelection {
  status: "answered" | "insufficient";
  /** Share of the question's idf-weighted terms found in the best passage, 0..1. */
  coverage: number;
  answer: SentenceCandidate[];
  findings: SentenceCandidate[];
}

export const DEFAULT_EXTRACTIVE_OPTIONS: ExtractiveOptions = { findings: 8, perPaper: 2, minCoverage: 0.4 };

const MIN_SENTENCE_LENGTH = 30;
const CHUNK_PRIOR_WEIGHT = 0.25;
const CONCLUSION_BONUS = 0.1;
const NEAR_DUPLICATE_JACCARD = 0.8;
const SECOND_ANSWER_RATIO = 0.8;
/** Findings scoring below this share of the best sentence only share generic words with the question. */
const MIN_RELATIVE_FINDING_SCORE = 0.6;
/** Sentences that state a result or conclusion answer questions better than background sentences. */
const CONCLUSION_CUE =
  /\b(in conclusion|conclusions?:|we conclude|these (results|findings|data) (suggest|indicate|show|demonstrate)|our (results|findings|data) (suggest|indicate|show|demonstrate)|taken together|this study (shows|suggests|demonstrates|indicates)|we (found|show|demonstrate)|results (suggest|indicate|show|demonstrate))\b/i;

export function selectExtractiveAnswer(
  question: string,
  ranked: RankedChunk[],
  idf: (term: string) => number,
  options: ExtractiveOptions = DEFAULT_EXTRACTIVE_OPTIONS,
  titlesByPaperId: ReadonlyMap<string, string> = new Map(),
): ExtractiveSelection {
  const candidates = sentenceCandidates(ranked);
  const top = ranked[0]?.chunk;
  // The passage is read in its context: the paper's title and the section heading, as the index does.
  const coverage = top
    ? termCoverage(question, [titlesByPaperId.get(top.paperId) ?? "", ...top.sectionPath, top.text].join("\n"), idf)
    : 0;
  if (candidates.length === 0) return { status: "insufficient", coverage, answer: [], findings: [] };

  const scored = scoreCandidates(question, candidates, ranked);
  const findings = pickDiverse(scored, options);
  const [best, ...rest] = findings;
  const answer = best ? [best] : [];
  const runnerUp = rest.find((candidate) => candidate.paperId !== best?.paperId);
  if (best && runnerUp && runnerUp.score >= best.score * SECOND_ANSWER_RATIO) answer.push(runnerUp);
  const status = best && coverage >= options.minCoverage ? "answered" : "insufficient";
  return { status, coverage, answer, findings };
}

/** The distinct sentences of the ranked chunks (overlapping chunks repeat sentences). */
function sentenceCandidates(ranked: RankedChunk[]): Array<SentenceCandidate & { chunkScore: number }> {
  const seen = new Set<string>();
  const candidates: Array<SentenceCandidate & { chunkScore: number }> = [];
  for (const { chunk, score } of ranked) {
    for (const sentence of splitSentences(chunk.text)) {
      const start = chunk.start + sentence.start;
      const key = `${chunk.paperId}#${chunk.sectionIndex}:${start}`;
      if (sentence.text.length < MIN_SENTENCE_LENGTH || seen.has(key)) continue;
      seen.add(key);
      candidates.push({
        paperId: chunk.paperId,
        chunkId: chunk.id,
        sectionPath: chunk.sectionPath,
        start,
        end: chunk.start + sentence.end,
        text: sentence.text,
        score: 0,
        chunkScore: score,
      });
    }
  }
  return candidates;
}

function scoreCandidates(
  question: string,
  candidates: Array<SentenceCandidate & { chunkScore: number }>,
  ranked: RankedChunk[],
): SentenceCandidate[] {
  const index = buildIndex(candidates.map((candidate, position) => ({ id: String(position), fields: { text: candidate.text } })));
  const bm25 = new Map(index.search(question, candidates.length).map((hit) => [Number(hit.id), hit.score]));
  const maxBm25 = Math.max(0, ...bm25.values());
  const maxChunkScore = Math.max(0, ...ranked.map((entry) => entry.score));
  const scored: SentenceCandidate[] = [];
  candidates.forEach((candidate, position) => {
    const sentenceScore = bm25.get(position) ?? 0;
    if (sentenceScore <= 0 || maxBm25 <= 0) return;
    const { chunkScore, ...sentence } = candidate;
    scored.push({
      ...sentence,
      score:
        sentenceScore / maxBm25 +
        (maxChunkScore > 0 ? (CHUNK_PRIOR_WEIGHT * chunkScore) / maxChunkScore : 0) +
        (CONCLUSION_CUE.test(candidate.text) ? CONCLUSION_BONUS : 0),
    });
  });
  return scored.sort((a, b) => b.score - a.score || a.paperId.localeCompare(b.paperId) || a.start - b.start);
}

/** Best sentences first, at most `perPaper` from one paper, skipping near-duplicates and weak matches. */
function pickDiverse(scored: SentenceCandidate[], options: ExtractiveOptions): SentenceCandidate[] {
  const picked: SentenceCandidate[] = [];
  const pickedTerms: Set<string>[] = [];
  const perPaper = new Map<string, number>();
  const floor = (scored[0]?.score ?? 0) * MIN_RELATIVE_FINDING_SCORE;
  for (const candidate of scored) {
    if (picked.length >= options.findings || candidate.score < floor) break;
    if ((perPaper.get(candidate.paperId) ?? 0) >= options.perPaper) continue;
    const terms = new Set(tokenize(candidate.text));
    if (pickedTerms.some((other) => jaccard(terms, other) >= NEAR_DUPLICATE_JACCARD)) continue;
    picked.push(candidate);
    pickedTerms.push(terms);
    perPaper.set(candidate.paperId, (perPaper.get(candidate.paperId) ?? 0) + 1);
  }
  return picked;
}

/** Share of the question's idf-weighted terms that occur in a passage. */
export function termCoverage(question: string, passage: string, idf: (term: string) => number): number {
  const questionTerms = new Set(tokenize(question));
  if (questionTerms.size === 0) return 0;
  const passageTerms = new Set(tokenize(passage));
  let total = 0;
  let found = 0;
  for (const term of questionTerms) {
    const weight = idf(term);
    total += weight;
    if (passageTerms.has(term)) found += weight;
  }
  return total > 0 ? found / total : 0;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const term of a) if (b.has(term)) shared += 1;
  return shared / (a.size + b.size - shared);
}
