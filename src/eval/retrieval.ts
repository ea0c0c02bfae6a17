// `eval retrieval`: rank a BEIR corpus for every query with exactly the index, tokenizer and fusion
// that `ask` uses (documents as title + text; no section headings), and average the metrics.
import { buildIndex, DEFAULT_BM25_OPTIONS, type Bm25Options } from "../index/bm25.js";
import { DEFAULT_RANKING_OPTIONS, rankWithQueries, type RankingOptions } from "../index/fusion.js";
import type { BeirDocument, BeirQuery, Qrels } from "./beir.js";
import { hasRelevant, ndcgAtK, recallAtK, reciprocalRankAtK } from "./metrics.js";

export interface RetrievalEvaluation {
  corpus: readonly BeirDocument[];
  queries: readonly BeirQuery[];
  qrels: Qrels;
  /** Cut-off of recall@k, MRR@k and nDCG@k (default 10); recall@1 is always reported. */
  k?: number;
  rankingOptions?: Partial<RankingOptions>;
  bm25Options?: Partial<Bm25Options>;
}

/** `queries` is how many queries were scored (those with at least one relevant document). */
export type RetrievalMetrics = { queries: number } & Record<string, number>;

export function evaluateRetrieval(evaluation: RetrievalEvaluation): RetrievalMetrics {
  const k = evaluation.k ?? 10;
  const index = buildIndex(
    evaluation.corpus.map((document) => ({ id: document.id, fields: { title: document.title, text: document.text } })),
    { ...DEFAULT_BM25_OPTIONS, ...evaluation.bm25Options },
  );
  const rankingOptions = { ...DEFAULT_RANKING_OPTIONS, ...evaluation.rankingOptions };
  const limit = Math.max(k, 1);
  const sums = { recallAt1: 0, recallAtK: 0, mrr: 0, ndcg: 0 };
  let scored = 0;
  for (const query of evaluation.queries) {
    const judgments = evaluation.qrels.get(query.id);
    if (!hasRelevant(judgments)) continue;
    const ranked = rankWithQueries(index, [query.text], { ...rankingOptions, depth: Math.max(rankingOptions.depth, limit), limit }).map(
      (hit) => hit.id,
    );
    scored += 1;
    sums.recallAt1 += recallAtK(ranked, judgments, 1);
    sums.recallAtK += recallAtK(ranked, judgments, k);
    sums.mrr += reciprocalRankAtK(ranked, judgments, k);
    sums.ndcg += ndcgAtK(ranked, judgments, k);
  }
  const mean = (sum: number) => (scored === 0 ? 0 : sum / scored);
  return {
    queries: scored,
    "recall@1": mean(sums.recallAt1),
    [`recall@${k}`]: mean(sums.recallAtK),
    [`mrr@${k}`]: mean(sums.mrr),
    [`ndcg@${k}`]: mean(sums.ndcg),
  };
}
