import { describe, expect, it } from "vitest";
import type { ReviewTrace } from "../src/agent/review-question.js";
import type { ReviewReference } from "../src/review/schema.js";
import { comparableDoi, doiMatcher, keyPassageCovered, noStages, pmidMatcher, sourceStages, textCitations } from "../src/eval/source-stages.js";
import type { Chunk, LoadedPaper, PaperIds, PaperRecord } from "../src/types.js";

describe("source paper matching", () => {
  it("compares DOIs bare and lowercase, whatever form the benchmark or the source gives", () => {
    expect(comparableDoi("https://doi.org/10.1128/mSphere.00109-24")).toBe("10.1128/msphere.00109-24");
    expect(comparableDoi("http://dx.doi.org/10.1101/2024.05.03.592390")).toBe("10.1101/2024.05.03.592390");
    expect(comparableDoi("doi: 10.1016/J.CELREP.2024.113693")).toBe("10.1016/j.celrep.2024.113693");
    expect(comparableDoi("not a doi")).toBeUndefined();
    const isSource = doiMatcher(["https://doi.org/10.1128/msphere.00109-24", "http://dx.doi.org/10.1234/B"]);
    expect(isSource({ doi: "10.1128/mSphere.00109-24" })).toBe(true);
    expect(isSource({ doi: "10.1234/b" })).toBe(true);
    expect(isSource({ doi: "10.1128/msphere.00109-25" })).toBe(false);
    expect(isSource({ pmid: "123" })).toBe(false);
    expect(pmidMatcher("21645374")({ pmid: "21645374", doi: "10.1234/x" })).toBe(true);
    expect(pmidMatcher("21645374")({ pmid: "2164537" })).toBe(false);
  });
});

describe("key passage coverage", () => {
  // Ten distinct words: covering 8 is enough, 7 is not.
  const keyPassage = "Alpha beta gamma delta epsilon zeta eta theta iota kappa.";

  it("needs 80% of the key passage's distinct lowercase words in the passages", () => {
    expect(keyPassageCovered(keyPassage, ["In one chunk: ALPHA beta Gamma delta epsilon zeta eta theta, and more."])).toBe(true);
    expect(keyPassageCovered(keyPassage, ["alpha beta gamma delta epsilon zeta eta"])).toBe(false);
    expect(keyPassageCovered(keyPassage, [])).toBe(false);
    expect(keyPassageCovered("", ["anything"])).toBe(false);
  });

  it("counts the union of the paper's top passages, for key passages longer than a chunk", () => {
    const first = "alpha beta gamma delta epsilon";
    const second = "zeta eta theta iota";
    expect(keyPassageCovered(keyPassage, [first])).toBe(false);
    expect(keyPassageCovered(keyPassage, [second])).toBe(false);
    expect(keyPassageCovered(keyPassage, [first, second])).toBe(true);
  });

  it("reads words as runs of letters and digits in any script", () => {
    expect(keyPassageCovered("p < 2.2 × 10−16 in 61% of loci", ["p 2 2 10 16 in 61 of loci"])).toBe(true);
  });
});

/** A review's written text: the answer and, optionally, key findings. */
const written = (answer: string, keyFindings: string[] = []) => ({ answer, keyFindings, agreement: [], disagreement: [] });

describe("citations in the review's text", () => {
  it("reads the reference numbers the answer, key findings, agreement and disagreement cite", () => {
    expect([...textCitations(written("A holds [1]. B holds [2, 3], see [12]."))]).toEqual([1, 2, 3, 12]);
    expect([...textCitations({ answer: "A [1].", keyFindings: ["B [4]."], agreement: ["C [5, 6]."], disagreement: ["D [7]."] })]).toEqual([1, 4, 5, 6, 7]);
    expect(textCitations(written("No passage bears on this question.")).size).toBe(0);
  });
});

describe("the stages a source paper reached", () => {
  const record = (id: string, ids: PaperIds): PaperRecord => ({ id, ids, title: id, authors: [], foundBy: [{ source: "library" }] });
  const paper = (id: string, ids: PaperIds, access: "fulltext" | "abstract-only"): LoadedPaper => ({
    record: record(id, ids),
    document: { paperId: id, access, sections: [], captions: [], references: [] },
  });
  const chunk = (paperId: string, text: string): Chunk => ({ id: `${paperId}#0`, paperId, sectionPath: [], sectionIndex: 0, start: 0, end: text.length, text });
  const reference = (number: number, paperId: string, ids: PaperIds): ReviewReference => ({ number, paperId, ids, title: paperId, authors: [], access: "fulltext" });
  const source: PaperIds = { doi: "10.1234/SOURCE" };
  const other: PaperIds = { doi: "10.1234/other" };
  const isSource = doiMatcher(["https://doi.org/10.1234/source"]);

  it("follows the source paper from found to cited in the review's text", () => {
    const trace: ReviewTrace = {
      found: [record("doi:10.1234/other", other), record("doi:10.1234/source", { doi: "10.1234/Source" })],
      papers: [paper("doi:10.1234/source", source, "fulltext"), paper("doi:10.1234/other", other, "fulltext")],
      topChunks: [chunk("doi:10.1234/other", "other words"), chunk("doi:10.1234/source", "the key passage is here")],
      evidence: [{ key: "E1", paperId: "doi:10.1234/source", chunkId: "doi:10.1234/source#0", sectionPath: [], relevance: 8, summary: "s" }],
    };
    const review = { ...written("It is so [2]."), references: [reference(1, "doi:10.1234/other", other), reference(2, "doi:10.1234/source", source)] };
    expect(sourceStages(trace, review, isSource, "The key passage is here.")).toEqual({
      found: true,
      screened: true,
      fullText: true,
      topK: true,
      keyPassage: true,
      evidence: true,
      cited: true,
    });
  });

  it("tells where it was lost: read from its abstract, no top passage, listed but not cited in the text", () => {
    const trace: ReviewTrace = {
      found: [record("doi:10.1234/source", source)],
      papers: [paper("doi:10.1234/source", source, "abstract-only"), paper("doi:10.1234/other", other, "fulltext")],
      topChunks: [chunk("doi:10.1234/other", "the key passage is here")],
      evidence: [{ key: "E1", paperId: "doi:10.1234/other", chunkId: "doi:10.1234/other#0", sectionPath: [], relevance: 8, summary: "s" }],
    };
    // The source is reference 2, shown in the evidence table only; the answer cites reference 1.
    const review = { ...written("It is so [1]."), references: [reference(1, "doi:10.1234/other", other), reference(2, "doi:10.1234/source", source)] };
    expect(sourceStages(trace, review, isSource, "The key passage is here.")).toEqual({
      found: true,
      screened: true,
      fullText: false,
      topK: false,
      keyPassage: false,
      evidence: false,
      cited: false,
    });
    expect(sourceStages(trace, review, isSource, null).keyPassage).toBeNull();
    // A key finding citing it counts as cited.
    expect(sourceStages(trace, { ...review, keyFindings: ["Also [2]."] }, isSource, null).cited).toBe(true);
  });

  it("misses every stage without a review", () => {
    expect(Object.values(noStages("a passage")).every((value) => value === false)).toBe(true);
    expect(noStages(null).keyPassage).toBeNull();
  });
});
