import { describe, expect, it, onTestFinished } from "vitest";
import { questionTerms, renderKeywordQuery } from "../src/agent/keyword-plan.js";
import { fetchFullText } from "../src/sources/full-text.js";
import { parsePaperIdentifier } from "../src/sources/resolve.js";
import type { PaperRecord } from "../src/types.js";
import { startReplayServer, type ReplayRoute } from "./helpers/replay-server.js";
import { SAMPLE, samplePaperPdf } from "./helpers/sample-pdf.js";
import { testSourceContext } from "./helpers/sources.js";

const record = (ids: PaperRecord["ids"], extra: Partial<PaperRecord> = {}): PaperRecord => ({
  id: `test:${Object.values(ids).join(",")}`,
  ids,
  title: "A paper from a search",
  authors: [{ family: "Searcher", given: "A" }],
  year: 2020,
  abstract: "What the search said about it.",
  foundBy: [{ source: "europepmc", query: "q" }],
  ...extra,
});

/** One local server playing every API, each under its usual base path. */
async function everySource(routes: ReplayRoute[], email?: string) {
  const server = await startReplayServer(routes);
  onTestFinished(() => server.close());
  const { context, log } = testSourceContext(
    {
      europepmc: server.url("/europepmc"),
      ncbi: server.url("/eutils"),
      arxivPdf: server.url("/pdf"),
      unpaywall: server.url("/v2"),
    },
    email ? { email } : {},
  );
  return { server, context, log };
}

describe("fetchFullText", () => {
  it("tries Europe PMC, then PMC, then Unpaywall, and keeps the record's metadata with the PDF's text", async () => {
    const pdf = Buffer.from(await samplePaperPdf());
    const { server, context } = await everySource(
      [
        { path: "/files/sample.pdf", response: { body: pdf, headers: { "content-type": "application/pdf" } } },
      ],
      "me@example.org",
    );
    // Unpaywall's answer must point at this server, whose port is known only now.
    server.route({
      path: "/v2/10.5555/sample.2024.102",
      response: { body: JSON.stringify({ is_oa: true, best_oa_location: { url_for_pdf: server.url("/files/sample.pdf") }, oa_locations: [] }) },
    });
    const paper = record({ pmcid: "PMC42", doi: "10.5555/sample.2024.102" }, { openAccess: true });
    const result = await fetchFullText(context, paper);
    expect(result.attempts.map((attempt) => [attempt.route, attempt.outcome])).toEqual([
      ["europepmc", "none"],
      ["pmc", "none"],
      ["unpaywall", "fulltext"],
    ]);
    expect(server.requests.map((request) => request.path)).toEqual([
      "/europepmc/PMC42/fullTextXML",
      "/eutils/efetch.fcgi",
      "/v2/10.5555/sample.2024.102",
      "/files/sample.pdf",
    ]);
    expect(result.paper.record).toMatchObject({ id: paper.id, title: "A paper from a search", year: 2020 });
    expect(result.paper.document).toMatchObject({ paperId: paper.id, access: "fulltext", accessReason: "full text from Unpaywall" });
    const body = result.paper.document.sections.flatMap((section) => section.paragraphs).join(" ");
    expect(body).toContain("Budding yeast is a convenient model");
    expect(body).not.toContain(SAMPLE.references[0]?.text ?? "missing");
  });

  it("reads an arXiv paper's PDF, and skips Europe PMC for a record it says is not open access", async () => {
    const pdf = Buffer.from(await samplePaperPdf());
    const { server, context } = await everySource([{ path: "/pdf/1605.08386", response: { body: pdf, headers: { "content-type": "application/pdf" } } }]);
    const result = await fetchFullText(context, record({ arxiv: "1605.08386", pmcid: "PMC7" }, { openAccess: false }));
    expect(result.attempts.map((attempt) => attempt.route)).toEqual(["pmc", "arxiv"]);
    expect(result.paper.document.access).toBe("fulltext");
    expect(server.requests.some((request) => request.path.startsWith("/europepmc"))).toBe(false);
  });

  it("falls back to the abstract, saying what each source answered, and tells failures from absences", async () => {
    const { context, log } = await everySource([{ path: "/europepmc/PMC9/fullTextXML", response: { status: 500, body: "down" } }]);
    const result = await fetchFullText(context, record({ pmcid: "PMC9", doi: "10.1/x" }));
    expect(result.attempts.map((attempt) => [attempt.route, attempt.outcome])).toEqual([
      ["europepmc", "failed"],
      ["pmc", "none"],
      ["unpaywall", "none"],
    ]);
    expect(result.paper.document).toMatchObject({ access: "abstract-only", sections: [{ path: ["Abstract"], paragraphs: ["What the search said about it."] }] });
    expect(result.paper.document.accessReason).toMatch(
      /^no open-access full text \(Europe PMC: .*status 500; PMC: PMC has no article PMC9; Unpaywall: Unpaywall needs a contact address: set LITREVIEW_EMAIL\)$/,
    );
    expect(log.output()).toMatch(/warn: Europe PMC full text of test:PMC9,10\.1\/x failed: /);
  });

  it("says the paper is unavailable when it has neither full text nor abstract, and tries nothing without ids", async () => {
    const { server, context } = await everySource([]);
    const result = await fetchFullText(context, record({ local: "x" }, { abstract: undefined }));
    expect(result.attempts).toEqual([]);
    expect(result.paper.document).toMatchObject({ access: "unavailable", accessReason: "no abstract and no open-access source to try", sections: [] });
    expect(server.requests).toHaveLength(0);
  });
});

describe("parsePaperIdentifier", () => {
  it("recognises PMCIDs, PMIDs, DOIs and arXiv ids in the forms people paste", () => {
    expect(parsePaperIdentifier("pmc3166277")).toEqual({ kind: "pmcid", value: "PMC3166277" });
    expect(parsePaperIdentifier("21645374")).toEqual({ kind: "pmid", value: "21645374" });
    expect(parsePaperIdentifier("PMID: 21645374")).toEqual({ kind: "pmid", value: "21645374" });
    expect(parsePaperIdentifier("https://doi.org/10.1371/journal.pone.0000217")).toEqual({ kind: "doi", value: "10.1371/journal.pone.0000217" });
    expect(parsePaperIdentifier("doi:10.1016/j.xgen.2025.100814")).toEqual({ kind: "doi", value: "10.1016/j.xgen.2025.100814" });
    expect(parsePaperIdentifier("2104.12255v1")).toEqual({ kind: "arxiv", value: "2104.12255" });
    expect(parsePaperIdentifier("arXiv:1605.08386")).toEqual({ kind: "arxiv", value: "1605.08386" });
    expect(parsePaperIdentifier("https://arxiv.org/abs/astro-ph/0601001v2")).toEqual({ kind: "arxiv", value: "astro-ph/0601001" });
    for (const text of ["", "cancer", "PMC", "10.12/x", "notes/paper.xml"]) expect(parsePaperIdentifier(text)).toBeUndefined();
  });
});

describe("keyword queries from the question", () => {
  it("keeps the content words, hyphenated names whole, and writes them in each source's syntax", () => {
    const terms = questionTerms("Does BCL-2 regulate apoptosis of T cells in the thymus? Does apoptosis matter?");
    expect(terms).toEqual(["BCL-2", "apoptosis", "cells", "thymus", "matter"]);
    expect(renderKeywordQuery("europepmc", terms, "all")).toBe('"BCL-2" AND apoptosis AND cells AND thymus AND matter');
    expect(renderKeywordQuery("pubmed", terms, "any")).toBe('"BCL-2" OR apoptosis OR cells OR thymus OR matter');
    expect(renderKeywordQuery("openalex", terms.slice(0, 2), "all")).toBe('"BCL-2" apoptosis');
    expect(renderKeywordQuery("arxiv", terms.slice(0, 2), "all")).toBe('all:"BCL-2" AND all:apoptosis');
    expect(questionTerms("What is it?")).toEqual([]);
  });
});
