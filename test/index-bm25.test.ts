import { describe, expect, it } from "vitest";
import { buildIndex } from "../src/index/bm25.js";

const doc = (id: string, text: string, title = "") => ({ id, fields: { title, text } });

describe("buildIndex / search", () => {
  it("returns nothing for an empty corpus", () => {
    const index = buildIndex([]);
    expect(index.size).toBe(0);
    expect(index.search("mitochondria", 10)).toEqual([]);
  });

  it("works with one and two documents (padding never shows up in results)", () => {
    const one = buildIndex([doc("a", "Mitochondria drive programmed cell death.")]);
    expect(one.search("mitochondria", 10).map((hit) => hit.id)).toEqual(["a"]);
    expect(one.search("cell", 10)[0]?.score).toBeGreaterThan(0);

    const two = buildIndex([doc("a", "Mitochondria drive cell death."), doc("b", "Lace plant leaves form holes.")]);
    expect(two.search("lace plant", 10).map((hit) => hit.id)).toEqual(["b"]);
    expect(two.search("leaves mitochondria", 10).map((hit) => hit.id).sort()).toEqual(["a", "b"]);
  });

  it("returns nothing for queries without any indexed term, and skips documents without text", () => {
    const index = buildIndex([doc("a", "Mitochondria."), doc("empty", ""), doc("c", "Chloroplasts.")]);
    expect(index.search("tungsten hexafluoride", 10)).toEqual([]);
    expect(index.search("", 10)).toEqual([]);
    expect(index.search("the of and", 10)).toEqual([]);
    expect(index.search("mitochondria chloroplasts", 10).map((hit) => hit.id)).not.toContain("empty");
  });

  it("ranks by BM25: rarer and repeated terms weigh more, and respects the limit", () => {
    const index = buildIndex([
      doc("1", "apoptosis apoptosis apoptosis in neurons"),
      doc("2", "apoptosis in neurons"),
      doc("3", "neurons neurons"),
      doc("4", "glia"),
    ]);
    const hits = index.search("apoptosis neurons", 10);
    expect(hits.map((hit) => hit.id)).toEqual(["1", "2", "3"]);
    expect(index.search("apoptosis neurons", 2).map((hit) => hit.id)).toEqual(["1", "2"]);
    expect(index.search("apoptosis neurons", 0)).toEqual([]);
    expect(index.idf("apoptosi")).toBeGreaterThan(index.idf("neuron"));
    // A token in no document is as rare as can be: wink's idf at document frequency 0.
    expect(index.idf("unknown")).toBeCloseTo(Math.log(1 + 4.5 / 0.5), 12);
    expect(index.idf("unknown")).toBeGreaterThan(index.idf("apoptosi"));
  });

  it("lets field weights change the order", () => {
    const documents = [doc("titled", "unrelated words here", "autophagy"), doc("texted", "autophagy autophagy and more words", "other")];
    const titleHeavy = buildIndex(documents, { fieldWeights: { title: 5, text: 1 } });
    const textOnly = buildIndex(documents, { fieldWeights: { title: 0.1, text: 1 } });
    expect(titleHeavy.search("autophagy", 2)[0]?.id).toBe("titled");
    expect(textOnly.search("autophagy", 2)[0]?.id).toBe("texted");
  });

  it("indexes fields that the weights do not name, at weight 1", () => {
    const index = buildIndex([{ id: "s", fields: { sentence: "Ferroptosis needs iron." } }, { id: "t", fields: { sentence: "Other." } }]);
    expect(index.search("iron", 5).map((hit) => hit.id)).toEqual(["s"]);
  });

  it("exposes a document's weighted terms for query expansion", () => {
    const index = buildIndex([doc("a", "Ferroptosis needs iron."), doc("b", "Iron overload."), doc("c", "Copper.")]);
    const terms = index.documentTerms("a");
    expect([...terms.keys()].sort()).toEqual(["ferroptosi", "iron", "need"]);
    expect(terms.get("ferroptosi")).toBeGreaterThan(terms.get("iron") ?? 0);
    expect(index.documentTerms("missing").size).toBe(0);
  });

  it("refuses duplicate ids", () => {
    expect(() => buildIndex([doc("a", "x"), doc("a", "y")])).toThrow(/duplicate document id/);
  });
});
