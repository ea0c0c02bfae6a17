import { describe, expect, it } from "vitest";
import { mapCitations } from "../src/review/claims.js";
import { extractEvidence, locateQuote, mergeNearDuplicates } from "../src/agent/evidence.js";
import { keywordQueries, planQueries, renderPlannedQuery, type PlannedQuery } from "../src/agent/plan.js";
import type { Evidence, RankedChunk } from "../src/types.js";
import { stubLlm } from "./helpers/stub-llm.js";

const bcl2: PlannedQuery = {
  must: [
    { term: "BCL-2", synonyms: ["BCL2"] },
    { term: "apoptosis", synonyms: [] },
  ],
  should: [{ term: "thymocytes", weight: 0.5 }],
  yearFrom: 2015,
  yearTo: null,
};

describe("planned queries in each source's syntax", () => {
  it("writes required concepts with their synonyms, and the year range where the source can filter on it", () => {
    expect(renderPlannedQuery("europepmc", bcl2)).toBe('("BCL-2" OR BCL2) AND apoptosis AND PUB_YEAR:[2015 TO 3000]');
    expect(renderPlannedQuery("pubmed", bcl2)).toBe('("BCL-2"[tiab] OR BCL2[tiab]) AND apoptosis[tiab] AND ("2015"[dp] : "3000"[dp])');
    expect(renderPlannedQuery("arxiv", bcl2)).toBe('(all:"BCL-2" OR all:BCL2) AND all:apoptosis AND submittedDate:[201501010000 TO 300012312359]');
    expect(renderPlannedQuery("openalex", { ...bcl2, must: [{ term: 'say "cheese"', synonyms: [] }] })).toBe('"say cheese"');
  });

  it("falls back to the question's own words when the model gives no usable plan", async () => {
    const llm = stubLlm({ search_plan: () => ({ queries: [] }) });
    const plan = await planQueries("Does BCL-2 regulate apoptosis in thymocytes?", llm, { count: 3 });
    expect(plan.fromModel).toBe(false);
    expect(plan.queries).toEqual(keywordQueries("Does BCL-2 regulate apoptosis in thymocytes?"));
    expect(plan.queries[0]?.must.map((concept) => concept.term)).toEqual(["BCL-2", "apoptosis", "thymocytes"]);
  });
});

const chunk = (id: string, paperId: string, text: string): RankedChunk => ({
  chunk: { id, paperId, sectionPath: ["Results"], sectionIndex: 0, start: 0, end: text.length, text },
  score: 1,
  rank: 1,
});

describe("evidence", () => {
  const passages = [
    chunk("p1#0", "p1", "Thymocytes lacking  BCL-2 died within “two days” of culture, unlike controls."),
    chunk("p2#0", "p2", "The weather in the field station was mild throughout the sampling season."),
    chunk("p3#0", "p3", "BCL-2 overexpression protected thymocytes from dexamethasone-induced apoptosis."),
  ];
  const titles = new Map([
    ["p1", "BCL-2 and thymocyte survival"],
    ["p2", "Field notes"],
    ["p3", "Protection by BCL-2"],
  ]);

  it("keeps relevant passages with a verbatim quote, declines irrelevant ones, and drops quotes not in the passage", async () => {
    const llm = stubLlm({
      passage_evidence: (request) => {
        if (request.user.includes("weather")) return { relevance: 1, summary: "", quote: "" };
        if (request.user.includes("lacking")) return { relevance: 8, summary: "Without BCL-2 thymocytes die fast.", quote: 'lacking BCL-2 died within "two days"' };
        return { relevance: 7, summary: "BCL-2 protects thymocytes.", quote: "BCL-2 prevents every kind of death" };
      },
    });
    const { evidence, stats } = await extractEvidence("Does BCL-2 keep thymocytes alive?", passages, titles, llm, { firstKey: 4 });
    expect(evidence).toEqual([
      { key: "E4", paperId: "p1", chunkId: "p1#0", sectionPath: ["Results"], relevance: 8, summary: "Without BCL-2 thymocytes die fast.", quote: "lacking  BCL-2 died within “two days”" },
      { key: "E5", paperId: "p3", chunkId: "p3#0", sectionPath: ["Results"], relevance: 7, summary: "BCL-2 protects thymocytes." },
    ]);
    expect(stats).toMatchObject({ judged: 3, declined: 1, quotesRejected: 1 });
    for (const request of llm.requests) expect(request.role).toBe("fast");
  });

  it("finds quotes across whitespace, quote marks, dashes and case, with offsets into the original text", () => {
    const text = "Cells  died —  quickly. “Yes,” she said.";
    const at = locateQuote(text, 'cells died - quickly. "yes,"');
    expect(at && text.slice(at.start, at.end)).toBe("Cells  died —  quickly. “Yes,”");
    expect(locateQuote(text, "died slowly")).toBeUndefined();
    expect(locateQuote(text, "died")).toBeUndefined();
  });

  it("merges near-duplicate evidence from one paper, keeping the more relevant, but never across papers", () => {
    const items = [
      { paperId: "a", summary: "BCL-2 loss kills thymocytes within two days", relevance: 6 },
      { paperId: "a", summary: "BCL-2 loss kills thymocytes within two days in culture", relevance: 8 },
      { paperId: "b", summary: "BCL-2 loss kills thymocytes within two days", relevance: 5 },
    ];
    expect(mergeNearDuplicates(items)).toEqual([items[1], items[2]]);
  });
});

describe("citations in the answer", () => {
  const evidence = (key: string, paperId: string): Evidence => ({ key, paperId, chunkId: `${paperId}#0`, sectionPath: [], relevance: 5, summary: "s" });
  const known = new Map([evidence("E1", "p1"), evidence("E2", "p2"), evidence("E3", "p1")].map((item) => [item.key, item]));

  it("maps keys to paper numbers by first use, merges keys of one paper, and removes unknown keys and stray numbers", () => {
    const numbers = new Map<string, number>();
    const numberFor = (paperId: string) => numbers.get(paperId) ?? (numbers.set(paperId, numbers.size + 1), numbers.size);
    const mapped = mapCitations("BCL-2 keeps them alive [E2][E3]. Both agree [E1, E3] [12]. Invented [E9].", known, numberFor);
    expect(mapped.text).toBe("BCL-2 keeps them alive [1, 2]. Both agree [2]. Invented.");
    expect(mapped.citedKeys).toEqual(["E2", "E3", "E1"]);
    expect(mapped.unknownKeys).toEqual(["E9"]);
  });
});
