// Ranking metrics as trec_eval and BEIR (pytrec_eval) define them. Judgments are graded: a
// document is relevant when its grade is above 0, and nDCG uses the grade itself as the gain.

/** Document id → relevance grade, for one query. */
export type Judgments = ReadonlyMap<string, number>;

function relevantCount(judgments: Judgments): number {
  let count = 0;
  for (const grade of judgments.values()) if (grade > 0) count += 1;
  return count;
}

function grade(judgments: Judgments, id: string | undefined): number {
  return id === undefined ? 0 : Math.max(0, judgments.get(id) ?? 0);
}

/** Relevant documents in the top k / all relevant documents (0 when there are none). */
export function recallAtK(ranked: readonly string[], judgments: Judgments, k: number): number {
  const total = relevantCount(judgments);
  if (total === 0) return 0;
  let found = 0;
  for (const id of ranked.slice(0, k)) if (grade(judgments, id) > 0) found += 1;
  return found / total;
}

/** 1 / rank of the first relevant document within the top k, else 0. */
export function reciprocalRankAtK(ranked: readonly string[], judgments: Judgments, k: number): number {
  const limit = Math.min(k, ranked.length);
  for (let index = 0; index < limit; index += 1) if (grade(judgments, ranked[index]) > 0) return 1 / (index + 1);
  return 0;
}

/** DCG@k / ideal DCG@k, with gain = grade and discount log2(rank + 1); the ideal comes from the judgments. */
export function ndcgAtK(ranked: readonly string[], judgments: Judgments, k: number): number {
  const ideal = [...judgments.values()].filter((value) => value > 0).sort((a, b) => b - a);
  const idealDcg = discountedGain(ideal.slice(0, k));
  if (idealDcg === 0) return 0;
  return discountedGain(ranked.slice(0, k).map((id) => grade(judgments, id))) / idealDcg;
}

function discountedGain(gains: readonly number[]): number {
  return gains.reduce((sum, gain, index) => sum + gain / Math.log2(index + 2), 0);
}

/** Whether a query can be scored at all: queries without a relevant document are skipped, as in BEIR. */
export function hasRelevant(judgments: Judgments | undefined): judgments is Judgments {
  return judgments !== undefined && relevantCount(judgments) > 0;
}
