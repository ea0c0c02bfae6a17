import { describe, expect, it } from "vitest";
import { escapeInline, formatReference, renderMarkdown } from "../src/review/markdown.js";
import { CitationRegistry, buildReferences } from "../src/review/references.js";
import { REVIEW_SCHEMA_VERSION, ReviewSchema, type Quote, type Review } from "../src/review/schema.js";
import type { Access, PaperRecord } from "../src/types.js";

const records = new Map<string, PaperRecord>([
  [
    "pmid:1",
    {
      id: "pmid:1",
      ids: { pmid: "1", doi: "10.1000/one" },
      title: "Mitochondria in lace plant PCD.",
      authors: [
        { family: "Lord", given: "Christina E N" },
        { family: "Gunawardena", given: "Arunika" },
      ],
      year: 2011,
      journal: "BMC Plant Biol",
      foundBy: [{ source: "library" }],
    },
  ],
  ["local:notes.md", { id: "local:notes.md", ids: { local: "notes.md" }, title: "", authors: [], foundBy: [{ source: "library" }] }],
]);
const access = new Map<string, { access: Access; accessReason?: string }>([
  ["pmid:1", { access: "fulltext", accessReason: "full text from Europe PMC" }],
  ["local:notes.md", { access: "abstract-only" }],
]);

function quote(paperId: string, citation: number, text: string): Quote {
  return { text, citation, paperId, chunkId: `${paperId}#0:0`, sectionPath: ["Results"], start: 0, end: text.length, score: 1 };
}

function sampleReview(): Review {
  const registry = new CitationRegistry();
  const first = registry.cite("pmid:1");
  const second = registry.cite("local:notes.md");
  return ReviewSchema.parse({
    schemaVersion: REVIEW_SCHEMA_VERSION,
    question: "Do mitochondria   remodel leaves?",
    status: "answered",
    mode: "extractive",
    answer: `"Mitochondria change." [${first}]`,
    confidence: null,
    evidence: [],
    gaps: [],
    usage: null,
    agent: null,
    length: "standard",
    answerQuotes: [quote("pmid:1", first, "Mitochondria change during PCD.")],
    findings: [
      quote("pmid:1", first, "Mitochondria change during PCD."),
      quote("local:notes.md", second, "As shown before [12], *cells* die."),
    ],
    keyFindings: [],
    agreement: [],
    disagreement: [],
    claims: [
      {
        section: "answer",
        text: `"Mitochondria change during PCD." [${first}]`,
        draftText: "Mitochondria change during PCD.",
        citations: [first],
        evidenceKeys: [],
        verdict: "supported",
        method: "lexical",
        supportScore: 1,
        action: "kept",
        decidingQuote: { text: "Mitochondria change during PCD.", citation: first, evidenceKey: null },
      },
    ],
    references: buildReferences(registry, records, access),
    methods: {
      sources: [
        { source: "local library", location: "lib/", papers: 1, filesSkipped: 1 },
        { source: "Europe PMC", location: "https://www.ebi.ac.uk/europepmc/webservices/rest", papers: 1, filesSkipped: 0 },
        { source: "PubMed", location: "https://eutils.ncbi.nlm.nih.gov/entrez/eutils", papers: 0, filesSkipped: 0, error: "HTTP 503" },
      ],
      searches: [
        { source: "europepmc", query: "mitochondria AND leaves", hits: 12, returned: 1 },
        { source: "pubmed", query: "mitochondria AND leaves", hits: 0, returned: 0, error: "HTTP 503" },
      ],
      queries: ["Do mitochondria remodel leaves?"],
      verificationRound: null,
      verificationSkipped: "an extractive review has no draft to check (no language model)",
      counts: { found: 3, papers: 2, fullTextSought: 1, fullText: 1, abstractOnly: 1, unavailable: 0, chunks: 5, evidence: 0, rankedChunks: 3, papersQuoted: 2, cited: 2 },
      ranking: { chunkSize: 1200, chunkOverlap: 200, topK: 30, perPaperCap: 3, description: "BM25F" },
    },
    timings: { load: 1 },
    generatedAt: "2026-11-27T00:00:00.000Z",
    version: "0.1.0",
  });
}

describe("renderMarkdown", () => {
  it("numbers references in order of first citation, each exactly once", () => {
    const markdown = renderMarkdown(sampleReview());
    const body = markdown.slice(0, markdown.indexOf("## References"));
    const used = new Set([...body.matchAll(/(?<!\\)\[(\d+)\](?!\()/g)].map((match) => match[1]));
    expect([...used]).toEqual(["1", "2"]);
    const listed = [...markdown.slice(markdown.indexOf("## References")).matchAll(/^(\d+)\. /gm)].map((match) => match[1]);
    expect(listed).toEqual(["1", "2"]);
  });

  it("escapes source text so its own bracketed citations and emphasis are not read as ours", () => {
    const markdown = renderMarkdown(sampleReview());
    expect(markdown).toContain('- "As shown before \\[12\\], \\*cells\\* die." [2] — *Results*');
    expect(escapeInline("a [1] *b*\n c")).toBe("a \\[1\\] \\*b\\* c");
  });

  it("formats a reference from metadata with identifiers and access", () => {
    const [reference] = sampleReview().references;
    expect(reference && formatReference(reference)).toBe(
      "Lord CEN, Gunawardena A (2011). Mitochondria in lace plant PCD. *BMC Plant Biol*. DOI: [10.1000/one](https://doi.org/10.1000/one). PMID: [1](https://pubmed.ncbi.nlm.nih.gov/1/). Read in full text.",
    );
  });

  it("names untitled local papers by file and states abstract-only access", () => {
    const markdown = renderMarkdown(sampleReview());
    expect(markdown).toContain("2. Untitled (notes.md). File: `notes.md`. Read as abstract only.");
  });

  it("has the sections of a review with the question as the title", () => {
    const markdown = renderMarkdown(sampleReview());
    expect(markdown.split("\n")[0]).toBe("# Do mitochondria remodel leaves?");
    const headings = [...markdown.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
    expect(headings).toEqual(["Answer", "Key findings", "Where studies agree and disagree", "Evidence table", "Gaps and limitations", "Methods", "Verification", "References"]);
    expect(markdown).toContain("1 file(s) skipped as unreadable");
  });

  it("reports every source and query searched, failures included, and the flow of papers", () => {
    const markdown = renderMarkdown(sampleReview());
    expect(markdown).toContain("- Searched Europe PMC `https://www.ebi.ac.uk/europepmc/webservices/rest`: 1 paper(s).");
    expect(markdown).toContain("- Searched PubMed `https://eutils.ncbi.nlm.nih.gov/entrez/eutils`: failed (HTTP 503).");
    expect(markdown).toContain("  - Europe PMC query `mitochondria AND leaves`: 12 hit(s), 1 taken.");
    expect(markdown).toContain("  - PubMed query `mitochondria AND leaves`: failed.");
    expect(markdown).toContain(
      "- Flow (PRISMA-style): 3 record(s) found → 2 distinct paper(s) screened in and read → full text sought for 1 → read 1 in full text, 1 from the abstract only, 0 not accessible → 3 top chunk(s) → 2 paper(s) quoted → 2 cited.",
    );
    expect(sampleReview().references[0]?.accessReason).toBe("full text from Europe PMC");
  });

  it("says plainly when the evidence is insufficient", () => {
    const review = { ...sampleReview(), status: "insufficient" as const };
    const markdown = renderMarkdown(review);
    expect(markdown).toContain("**Insufficient evidence.**");
    expect(markdown).toContain("The closest passages found");
  });
});

describe("renderMarkdown in llm mode", () => {
  it("escapes the model's text but keeps the citation numbers the code put in, with their spacing", () => {
    const review: Review = {
      ...sampleReview(),
      mode: "llm",
      answer: "Mitochondria *change* shape [1]. They [also] move [1, 2].",
      confidence: "medium",
      evidence: [
        { key: "E1", citation: 1, paperId: "pmid:1", chunkId: "pmid:1#0:0", sectionPath: ["Results"], relevance: 8, summary: "Mitochondria change.", quote: "Mitochondria change during PCD." },
        { key: "E2", citation: 2, paperId: "local:notes.md", chunkId: "local:notes.md#0:0", sectionPath: [], relevance: 5, summary: "Cells die.", quote: null },
        { key: "E3", citation: null, paperId: "pmid:1", chunkId: "pmid:1#1:0", sectionPath: [], relevance: 3, summary: "Not shown.", quote: null },
      ],
    };
    review.keyFindings = ["Cells *die* [2]."];
    review.disagreement = ["Leaves [1] and cultures [2] differ in timing."];
    const markdown = renderMarkdown(review);
    expect(markdown).toContain("Mitochondria \\*change\\* shape [1]. They \\[also\\] move [1, 2].");
    expect(markdown).toContain("*Confidence: medium.");
    expect(markdown).toContain("## Key findings\n\n- Cells \\*die\\* [2].");
    expect(markdown).toContain("**Disagree or conflict**\n\n- Leaves [1] and cultures [2] differ in timing.");
    expect(markdown).not.toContain("**Agree**");
    expect(markdown).toContain("| [1] | Lord et al. (2011) | 2011 | Mitochondria change. | Read in full text |");
    expect(markdown).toContain("| [2] | notes.md | n/a | Cells die. | Read as abstract only |");
    expect(markdown).not.toContain("Not shown.");
  });

  it("says so when nothing limits the evidence, rather than leaving the section empty", () => {
    const review: Review = { ...sampleReview(), mode: "llm", confidence: "high", answer: "Mitochondria change [1]." };
    review.references = review.references.map((reference) => ({ ...reference, access: "fulltext" }));
    expect(renderMarkdown(review)).toContain("## Gaps and limitations\n\n- None recorded: the evidence was judged sufficient.");
  });
});
