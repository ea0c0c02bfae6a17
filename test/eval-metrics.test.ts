import { describe, expect, it } from "vitest";
import { hasRelevant, ndcgAtK, recallAtK, reciprocalRankAtK } from "../src/eval/metrics.js";

// d2 is highly relevant (2), d4 and d5 relevant (1), d1 judged not relevant (0); d5 is never retrieved.
const judgments = new Map([
  ["d1", 0],
  ["d2", 2],
  ["d4", 1],
  ["d5", 1],
]);
const ranked = ["d1", "d2", "d3", "d4"];

describe("ranking metrics", () => {
  it("recall@k counts relevant documents in the top k over all relevant ones", () => {
    expect(recallAtK(ranked, judgments, 1)).toBe(0);
    expect(recallAtK(ranked, judgments, 2)).toBeCloseTo(1 / 3, 12);
    expect(recallAtK(ranked, judgments, 10)).toBeCloseTo(2 / 3, 12);
  });

  it("MRR@k is 1 / rank of the first relevant document within k", () => {
    expect(reciprocalRankAtK(ranked, judgments, 1)).toBe(0);
    expect(reciprocalRankAtK(ranked, judgments, 10)).toBe(0.5);
  });

  it("nDCG@k uses graded gains, a log2 discount and the ideal ranking from the judgments", () => {
    const dcg = 2 / Math.log2(3) + 1 / Math.log2(5);
    const idealDcg = 2 / Math.log2(2) + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAtK(ranked, judgments, 10)).toBeCloseTo(dcg / idealDcg, 12);
    // At k = 2 the ideal list is cut too: [2, 1].
    expect(ndcgAtK(ranked, judgments, 2)).toBeCloseTo(2 / Math.log2(3) / (2 + 1 / Math.log2(3)), 12);
    expect(ndcgAtK(["d2", "d4", "d5"], judgments, 10)).toBeCloseTo(1, 12);
    expect(ndcgAtK([], judgments, 10)).toBe(0);
  });

  it("treats queries without a relevant document as unscorable", () => {
    expect(hasRelevant(new Map([["d1", 0]]))).toBe(false);
    expect(hasRelevant(undefined)).toBe(false);
    expect(hasRelevant(judgments)).toBe(true);
    expect(recallAtK(ranked, new Map(), 10)).toBe(0);
  });
});
