import { describe, expect, it } from "vitest";
import { buildIndex } from "../src/index/bm25.js";
import { capPerGroup, rankChunks, rankWithQueries, reciprocalRankFusion } from "../src/index/fusion.js";
import type { Chunk } from "../src/types.js";

describe("reciprocalRankFusion", () => {
  it("sums 1 / (k + rank) over the rankings", () => {
    const fused = reciprocalRankFusion([{ ids: ["a", "b", "c"] }, { ids: ["b", "d"] }], 60);
    const expected = new Map([
      ["b", 1 / 62 + 1 / 61],
      ["a", 1 / 61],
      ["d", 1 / 62],
      ["c", 1 / 63],
    ]);
    expect(fused.map((hit) => hit.id)).toEqual(["b", "a", "d", "c"]);
    for (const hit of fused) expect(hit.score).toBeCloseTo(expected.get(hit.id) ?? Number.NaN, 12);
    expect(fused.map((hit) => hit.rank)).toEqual([1, 2, 3, 4]);
  });

  it("applies per-ranking weights and the k constant", () => {
    const fused = reciprocalRankFusion([{ ids: ["a"] }, { ids: ["b"], weight: 2 }], 1);
    expect(fused).toEqual([
      { id: "b", score: 1, rank: 1 },
      { id: "a", score: 0.5, rank: 2 },
    ]);
  });

  it("keeps first-met order for ties and returns nothing for no rankings", () => {
    expect(reciprocalRankFusion([{ ids: ["x"] }, { ids: ["y"] }]).map((hit) => hit.id)).toEqual(["x", "y"]);
    expect(reciprocalRankFusion([])).toEqual([]);
  });
});

describe("capPerGroup", () => {
  it("keeps at most `cap` items per group and renumbers ranks", () => {
    const items = ["p1#a", "p1#b", "p1#c", "p2#a", "p1#d", "p3#a"].map((id, index) => ({ id, rank: index + 1 }));
    const capped = capPerGroup(items, (item) => item.id.split("#")[0] ?? "", 2, 10);
    expect(capped.map((item) => item.id)).toEqual(["p1#a", "p1#b", "p2#a", "p3#a"]);
    expect(capped.map((item) => item.rank)).toEqual([1, 2, 3, 4]);
    expect(capPerGroup(items, (item) => item.id.split("#")[0] ?? "", 2, 3).map((item) => item.id)).toEqual(["p1#a", "p1#b", "p2#a"]);
  });
});

describe("rankWithQueries", () => {
  const index = buildIndex([
    { id: "mito", fields: { text: "Mitochondria release cytochrome c during apoptosis." } },
    { id: "lace", fields: { text: "The lace plant forms perforations by programmed cell death." } },
    { id: "iron", fields: { text: "Ferroptosis is an iron-dependent form of cell death." } },
    { id: "none", fields: { text: "Tungsten is a metal." } },
  ]);

  it("fuses the rankings of several queries", () => {
    const single = rankWithQueries(index, ["cytochrome apoptosis"], { feedback: false });
    expect(single.map((hit) => hit.id)).toEqual(["mito"]);
    const fused = rankWithQueries(index, ["cytochrome apoptosis", "ferroptosis iron", "lace plant"], { feedback: false });
    expect(fused.map((hit) => hit.id).sort()).toEqual(["iron", "lace", "mito"]);
    expect(fused.every((hit) => hit.score === 1 / 61)).toBe(true);
  });

  it("ignores queries without known terms and honours the limit", () => {
    expect(rankWithQueries(index, ["zzz", ""])).toEqual([]);
    expect(rankWithQueries(index, ["cell death"], { limit: 1 })).toHaveLength(1);
  });

  it("adds a pseudo-relevance-feedback ranking, weighted in the fusion", () => {
    const feedback = { documents: 1, terms: 5, originalWeight: 0.5, rankingWeight: 0.5 };
    const hits = rankWithQueries(index, ["lace plant"], { feedback });
    // The feedback query carries "death" from the lace-plant abstract, which reaches the ferroptosis one.
    expect(hits.map((hit) => hit.id)).toEqual(["lace", "iron"]);
    expect(hits[0]?.score).toBeCloseTo(1 / 61 + 0.5 / 61, 12);
    expect(hits[1]?.score).toBeCloseTo(0.5 / 62, 12);
    expect(rankWithQueries(index, ["lace plant"], { feedback: false }).map((hit) => hit.id)).toEqual(["lace"]);
  });
});

describe("rankChunks", () => {
  const chunk = (paperId: string, index: number, text: string, sectionPath = ["Results"]): Chunk => ({
    id: `${paperId}#0:${index}`,
    paperId,
    sectionPath,
    sectionIndex: 0,
    start: index,
    end: index + text.length,
    text,
  });

  it("caps chunks per paper and keeps the top k", () => {
    const chunks = [
      ...[0, 100, 200, 300, 400].map((start) => chunk("p1", start, `Autophagy flux measured in neurons, passage ${start}.`)),
      chunk("p2", 0, "Autophagy in liver."),
      chunk("p3", 0, "Unrelated glacier text."),
    ];
    const { ranked, idf } = rankChunks(chunks, new Map(), ["autophagy flux neurons"], { topK: 10, perPaperCap: 2 });
    expect(ranked.filter((entry) => entry.chunk.paperId === "p1")).toHaveLength(2);
    expect(ranked.map((entry) => entry.chunk.paperId)).toContain("p2");
    expect(ranked.map((entry) => entry.rank)).toEqual(ranked.map((_, index) => index + 1));
    expect(idf("autophagi")).toBeGreaterThan(0);
    expect(rankChunks(chunks, new Map(), ["autophagy"], { topK: 1 }).ranked).toHaveLength(1);
  });

  it("matches paper titles and section headings as well as chunk text", () => {
    const chunks = [chunk("p1", 0, "We measured it twice."), chunk("p2", 0, "We measured it once.", ["Ferroptosis assay"])];
    const titles = new Map([["p1", "Senescence in fibroblasts"]]);
    expect(rankChunks(chunks, titles, ["senescence"]).ranked[0]?.chunk.paperId).toBe("p1");
    expect(rankChunks(chunks, titles, ["ferroptosis"]).ranked[0]?.chunk.paperId).toBe("p2");
  });

  it("returns nothing without chunks", () => {
    expect(rankChunks([], new Map(), ["anything"]).ranked).toEqual([]);
  });
});
