import { describe, expect, it } from "vitest";
import { mergeRecords, normaliseTitle } from "../src/sources/merge.js";
import type { PaperRecord } from "../src/types.js";

const record = (fields: Partial<PaperRecord> & Pick<PaperRecord, "id" | "ids">): PaperRecord => ({
  title: "Programmed cell death in the lace plant leaf",
  authors: [],
  foundBy: [{ source: "europepmc", query: "q" }],
  ...fields,
});

describe("mergeRecords", () => {
  it("joins records by any shared id, transitively, keeping the richest metadata and every source", () => {
    const europePmc = record({
      id: "pmid:1",
      ids: { pmid: "1", doi: "10.1/ABC" },
      year: 2011,
      openAccess: false,
      citationCount: 4,
      authors: [{ family: "Lord" }],
      foundBy: [{ source: "europepmc", query: "lace plant" }],
    });
    const openAlex = record({
      id: "doi:10.1/abc",
      ids: { doi: "10.1/abc", openalex: "W9" },
      abstract: "A longer abstract from OpenAlex.",
      openAccess: true,
      citationCount: 9,
      foundBy: [{ source: "openalex", query: "lace" }],
    });
    const pubmed = record({
      id: "pmid:1",
      ids: { pmid: "1", pmcid: "PMC7" },
      authors: [{ family: "Lord" }, { family: "Gunawardena" }],
      journal: "BMC Plant Biol",
      abstract: "Short.",
      foundBy: [{ source: "pubmed", query: "lace plant" }, { source: "europepmc", query: "lace plant" }],
    });
    const other = record({ id: "pmid:2", ids: { pmid: "2" }, title: "Something else entirely, about yeast", year: 2011 });
    const merged = mergeRecords([europePmc, other, openAlex, pubmed]);
    expect(merged).toHaveLength(2);
    const [paper, yeast] = merged;
    expect(yeast?.id).toBe("pmid:2");
    expect(paper).toMatchObject({
      id: "pmid:1",
      ids: { pmid: "1", doi: "10.1/ABC", openalex: "W9", pmcid: "PMC7" },
      year: 2011,
      journal: "BMC Plant Biol",
      abstract: "A longer abstract from OpenAlex.",
      openAccess: true,
      citationCount: 9,
      authors: [{ family: "Lord" }, { family: "Gunawardena" }],
    });
    expect(paper?.foundBy).toEqual([
      { source: "europepmc", query: "lace plant" },
      { source: "openalex", query: "lace" },
      { source: "pubmed", query: "lace plant" },
    ]);
  });

  it("joins records without shared ids by normalised title and year, but not different years or short titles", () => {
    const a = record({ id: "arxiv:1", ids: { arxiv: "1605.08386" }, title: "Heat-bath random walks with Markov bases", year: 2016 });
    const b = record({ id: "doi:10.2/x", ids: { doi: "10.2/x" }, title: "Heat bath random walks with Markov bases.", year: 2016 });
    const c = record({ id: "doi:10.2/y", ids: { doi: "10.2/y" }, title: "Heat bath random walks with Markov bases", year: 2018 });
    const d = record({ id: "doi:10.2/z", ids: { doi: "10.2/z" }, title: "Editorial", year: 2016 });
    const e = record({ id: "doi:10.2/w", ids: { doi: "10.2/w" }, title: "Editorial", year: 2016 });
    const merged = mergeRecords([a, b, c, d, e]);
    expect(merged.map((paper) => paper.id)).toEqual(["doi:10.2/x", "doi:10.2/y", "doi:10.2/z", "doi:10.2/w"]);
    expect(merged[0]?.ids).toEqual({ arxiv: "1605.08386", doi: "10.2/x" });
  });

  it("marks a paper retracted when any source says so", () => {
    const merged = mergeRecords([
      record({ id: "pmid:5", ids: { pmid: "5" }, retracted: false }),
      record({ id: "pmid:5", ids: { pmid: "5" }, retracted: true }),
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.retracted).toBe(true);
  });

  it("normalises titles across accents, markup and punctuation", () => {
    expect(normaliseTitle("Étude of <i>BCL-2</i>: a  review.")).toBe("etude of bcl 2 a review");
  });
});
