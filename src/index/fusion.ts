// The one ranking function behind `ask` and `eval retrieval`: every query (the question, and later
// hypothetical answers and verification questions) ranks the index with BM25F; each query also
// gets a lighter-weighted pseudo-relevance-feedback ranking (its own top documents' strongest terms
// added to it); all rankings are merged with reciprocal rank fusion, then one paper may fill only
// a few slots.
import { DEFAULT_BM25_OPTIONS, buildIndex, queryTerms, type Bm25Options, type SearchHit, type SearchIndex } from "./bm25.js";
import type { Chunk, RankedChunk } from "../types.js";

export interface FusedHit {
  id: string;
  /** Reciprocal rank fusion score; higher is better. */
  score: number;
  /** 1-based rank in the fused list. */
  rank: number;
}

export interface WeightedRanking {
  /** Document ids, best first. */
  ids: readonly string[];
  /** Multiplier of this ranking's contributions (default 1). */
  weight?: number;
}

/** Cormack et al.'s constant: damps the head of each ranking so no single list dominates. */
export const DEFAULT_RRF_K = 60;

/**
 * Reciprocal rank fusion: score(d) = Σ weight / (k + rank of d in the ranking), over the rankings
 * that contain d. Ties keep the order in which documents were first met.
 */
export function reciprocalRankFusion(rankings: readonly WeightedRanking[], k: number = DEFAULT_RRF_K): FusedHit[] {
  const scores = new Map<string, number>();
  for (const { ids, weight = 1 } of rankings) {
    ids.forEach((id, index) => scores.set(id, (scores.get(id) ?? 0) + weight / (k + index + 1)));
  }
  return [...scores]
    .map(([id, score], order) => ({ id, score, order }))
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(({ id, score }, index) => ({ id, score, rank: index + 1 }));
}

/** The first `limit` items, taking at most `cap` items of any one group; ranks are renumbered. */
export function capPerGroup<T extends { rank: number }>(items: readonly T[], groupOf: (item: T) => string, cap: number, limit: number): T[] {
  const taken = new Map<string, number>();
  const kept: T[] = [];
  for (const item of items) {
    if (kept.length >= limit) break;
    const group = groupOf(item);
    const count = taken.get(group) ?? 0;
    if (count >= cap) continue;
    taken.set(group, count + 1);
    kept.push({ ...item, rank: kept.length + 1 });
  }
  return kept;
}

export interface FeedbackOptions {
  /** Top documents of the first pass taken as relevant. */
  documents: number;
  /** Expansion terms added to the query. */
  terms: number;
  /** Share of the expanded query's weight kept by the original terms (the rest goes to expansion terms). */
  originalWeight: number;
  /** RRF weight of the feedback ranking relative to the query's own ranking. */
  rankingWeight: number;
}

export interface RankingOptions {
  /** Documents taken from each ranking into the fusion. */
  depth: number;
  /** Fused results returned. */
  limit: number;
  rrfK: number;
  /** Pseudo-relevance feedback, or false for the query's own ranking only. */
  feedback: FeedbackOptions | false;
}

/**
 * Feedback from each query's top 5 documents, 10 expansion terms, 70% of the expanded query's
 * weight on the original terms (RM3-style, as in Anserini), and its ranking only a secondary voice
 * in the fusion (weight 0.3): at full weight the expansion drifts away from claims that have a
 * single relevant abstract (SciFact nDCG@10 drops by 0.005-0.01), while at 0.3 it still lifts
 * recall@10 on SciFact and nDCG@10 on MED (see the report of `npm run bench`).
 */
export const DEFAULT_RANKING_OPTIONS: RankingOptions = {
  depth: 100,
  limit: 100,
  rrfK: DEFAULT_RRF_K,
  feedback: { documents: 5, terms: 10, originalWeight: 0.7, rankingWeight: 0.3 },
};

/** Ranks the index for several queries at once: each query's rankings, fused. */
export function rankWithQueries(index: SearchIndex, queries: readonly string[], options: Partial<RankingOptions> = {}): FusedHit[] {
  const settings = { ...DEFAULT_RANKING_OPTIONS, ...options };
  const rankings: WeightedRanking[] = [];
  for (const query of queries) {
    const terms = queryTerms(query);
    const hits = index.searchTerms(terms, settings.depth);
    if (hits.length === 0) continue;
    rankings.push({ ids: hits.map((hit) => hit.id) });
    if (settings.feedback) {
      const expanded = expandQuery(index, terms, hits, settings.feedback);
      rankings.push({ ids: index.searchTerms(expanded, settings.depth).map((hit) => hit.id), weight: settings.feedback.rankingWeight });
    }
  }
  return reciprocalRankFusion(rankings, settings.rrfK).slice(0, settings.limit);
}

/**
 * The query plus the terms that weigh most in its top documents (each document's BM25 term weights
 * normalised to sum 1, the documents weighted by their share of the top scores), both halves
 * normalised so `originalWeight` sets the balance.
 */
function expandQuery(index: SearchIndex, originalTerms: ReadonlyMap<string, number>, hits: readonly SearchHit[], feedback: FeedbackOptions): Map<string, number> {
  const feedbackHits = hits.slice(0, feedback.documents);
  const scoreTotal = feedbackHits.reduce((sum, hit) => sum + hit.score, 0);
  const termWeights = new Map<string, number>();
  for (const hit of feedbackHits) {
    const terms = index.documentTerms(hit.id);
    let weightTotal = 0;
    for (const weight of terms.values()) weightTotal += weight;
    if (weightTotal <= 0 || scoreTotal <= 0) continue;
    const documentShare = hit.score / scoreTotal / weightTotal;
    for (const [term, weight] of terms) termWeights.set(term, (termWeights.get(term) ?? 0) + weight * documentShare);
  }
  const expansion = [...termWeights].sort((a, b) => b[1] - a[1]).slice(0, feedback.terms);
  const expansionTotal = expansion.reduce((sum, [, weight]) => sum + weight, 0);
  let queryTotal = 0;
  for (const weight of originalTerms.values()) queryTotal += weight;

  const expanded = new Map<string, number>();
  for (const [term, weight] of originalTerms) expanded.set(term, (feedback.originalWeight * weight) / queryTotal);
  if (expansionTotal > 0) {
    for (const [term, weight] of expansion) {
      expanded.set(term, (expanded.get(term) ?? 0) + ((1 - feedback.originalWeight) * weight) / expansionTotal);
    }
  }
  return expanded;
}

export interface ChunkRankingOptions {
  /** Chunks kept after ranking. */
  topK: number;
  /** At most this many of the kept chunks from one paper. */
  perPaperCap: number;
  bm25: Bm25Options;
  ranking: Omit<RankingOptions, "limit">;
}

export const DEFAULT_CHUNK_RANKING_OPTIONS: ChunkRankingOptions = {
  topK: 30,
  perPaperCap: 3,
  bm25: DEFAULT_BM25_OPTIONS,
  ranking: DEFAULT_RANKING_OPTIONS,
};

export interface ChunkRanking {
  ranked: RankedChunk[];
  /** The chunk index's idf of a token (highest for a token in no chunk), for judging how well a passage covers a question. */
  idf: (term: string) => number;
}

/** One line for a review's Methods section, kept next to the defaults it describes. */
export const RANKING_DESCRIPTION = describeRanking(DEFAULT_CHUNK_RANKING_OPTIONS);

function describeRanking({ bm25, ranking }: ChunkRankingOptions): string {
  const weights = Object.entries(bm25.fieldWeights)
    .map(([field, weight]) => `${field} ×${weight}`)
    .join(", ");
  const feedback = ranking.feedback
    ? ` plus an RM3-style pseudo-relevance-feedback ranking per query (top ${ranking.feedback.documents} passages, ${ranking.feedback.terms} expansion terms, fusion weight ${ranking.feedback.rankingWeight})`
    : "";
  return (
    `BM25F (wink-bm25-text-search; k1 ${bm25.k1}, b ${bm25.b}; fields ${weights}) over section-aware passages; ` +
    `each query's ranking${feedback}, merged by reciprocal rank fusion (k ${ranking.rrfK}), with a cap on passages per paper`
  );
}

/** Chunks indexed once for ranking, possibly many times (rounds of an agent). */
export interface ChunkIndex {
  index: SearchIndex;
  byId: ReadonlyMap<string, Chunk>;
}

/** The chunks indexed over three fields: the paper's title, the section heading path and the chunk text. */
export function buildChunkIndex(
  chunks: readonly Chunk[],
  titlesByPaperId: ReadonlyMap<string, string>,
  bm25: Bm25Options = DEFAULT_CHUNK_RANKING_OPTIONS.bm25,
): ChunkIndex {
  const index = buildIndex(
    chunks.map((chunk) => ({
      id: chunk.id,
      fields: { title: titlesByPaperId.get(chunk.paperId) ?? "", heading: chunk.sectionPath.join(" "), text: chunk.text },
    })),
    bm25,
  );
  return { index, byId: new Map(chunks.map((chunk) => [chunk.id, chunk])) };
}

/**
 * The top `topK` chunks of an index for the queries, at most `perPaperCap` from one paper, leaving
 * out the `exclude`d ones (chunks an earlier round already used).
 */
export function rankIndexedChunks(
  { index, byId }: ChunkIndex,
  queries: readonly string[],
  options: Partial<Omit<ChunkRankingOptions, "bm25">> & { exclude?: ReadonlySet<string> } = {},
): ChunkRanking {
  const settings = { ...DEFAULT_CHUNK_RANKING_OPTIONS, ...options };
  const exclude = options.exclude ?? new Set<string>();
  // Deep enough that the per-paper cap can still fill topK from the fused list, past the excluded chunks.
  const depth = Math.max(settings.ranking.depth, settings.topK * settings.perPaperCap) + exclude.size;
  const fused = rankWithQueries(index, queries, { ...settings.ranking, depth, limit: Number.POSITIVE_INFINITY }).filter((hit) => !exclude.has(hit.id));
  const capped = capPerGroup(fused, (hit) => byId.get(hit.id)?.paperId ?? hit.id, settings.perPaperCap, settings.topK);
  const ranked: RankedChunk[] = [];
  for (const hit of capped) {
    const chunk = byId.get(hit.id);
    if (chunk) ranked.push({ chunk, score: hit.score, rank: hit.rank });
  }
  return { ranked, idf: (term) => index.idf(term) };
}

/** Index the chunks and rank them once (see buildChunkIndex and rankIndexedChunks). */
export function rankChunks(
  chunks: readonly Chunk[],
  titlesByPaperId: ReadonlyMap<string, string>,
  queries: readonly string[],
  options: Partial<ChunkRankingOptions> = {},
): ChunkRanking {
  return rankIndexedChunks(buildChunkIndex(chunks, titlesByPaperId, options.bm25), queries, options);
}
