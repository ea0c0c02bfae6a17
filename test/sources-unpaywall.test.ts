import { describe, expect, it } from "vitest";

import { RunError } from "../src/errors.js";
import { NoFullTextError } from "../src/sources/context.js";
import { fetchPdfFullText, findOpenAccessPdf } from "../src/sources/unpaywall.js";
import type { PaperRecord } from "../src/types.js";
import { readFixture, type ReplayRoute } from "./helpers/replay-server.js";
import { imageOnlyPdf, SAMPLE, samplePaperPdf } from "./helpers/sample-pdf.js";
import { replaySourceContext } from "./helpers/sources.js";

const API = "/v2";
const EMAIL = "maintainer@example.org";
const JSON_HEADERS = { "content-type": "application/json" };
const PDF_HEADERS = { "content-type": "application/pdf" };
const PNAS_DOI = "10.1073/pnas.1414271111";
const PNAS_FIXTURE = "api/unpaywall/unpaywall-v2-10.1073_pnas.1414271111.json";
const XGEN_FIXTURE = "api/unpaywall/unpaywall-v2-10.1016_j.xgen.2025.100814.json";
const CLOSED_FIXTURE = "api/unpaywall/unpaywall-v2-10.1007_s40278-023-41815-2-closed.json";
const RECORDED_PNAS_PDF = "https://www.pnas.org/content/pnas/111/45/E4832.full.pdf";
const PDF_PATH = "/pnas/E4832.full.pdf";

/** The PNAS paper as a search source would have described it. */
const PNAS_RECORD: PaperRecord = {
  id: `doi:${PNAS_DOI}`,
  ids: { doi: PNAS_DOI },
  title: "Developing functional musculoskeletal tissues through hypoxia and lysyl oxidase-induced collagen cross-linking",
  authors: [{ family: "Makris", given: "Eleftherios A." }],
  year: 2014,
  journal: "Proceedings of the National Academy of Sciences",
  foundBy: [{ source: "europepmc", query: "collagen cross-linking" }],
};

/** What a promise was rejected with (undefined when it resolved). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** An Unpaywall replay server (routes added by the test, since some need its address) and a context on it. */
async function unpaywall(options: { email?: string | null } = {}) {
  const email = options.email === undefined ? EMAIL : options.email;
  return replaySourceContext("unpaywall", API, [], email === null ? {} : { email });
}

const lookupRoute = (doi: string, response: ReplayRoute["response"]): ReplayRoute => ({
  path: `${API}/${doi}`,
  query: { email: EMAIL },
  response: { headers: JSON_HEADERS, ...response },
});

/**
 * The recorded PNAS answer, with its PDF link moved to the replay server: the recorded link
 * points at www.pnas.org, which tests must not reach, and the point is to follow the link given.
 */
function pnasAnswerLinkingTo(pdfUrl: string): string {
  const recorded = readFixture(PNAS_FIXTURE).toString("utf8");
  expect(recorded).toContain(RECORDED_PNAS_PDF);
  return recorded.replaceAll(RECORDED_PNAS_PDF, pdfUrl);
}

describe("findOpenAccessPdf", () => {
  it("returns the best open-access location of an open DOI, asking with the contact address", async () => {
    const { server, context } = await unpaywall();
    server.route(lookupRoute(PNAS_DOI, { body: pnasAnswerLinkingTo(server.url(PDF_PATH)) }));

    const location = await findOpenAccessPdf(context, `https://doi.org/${PNAS_DOI}`);

    expect(location).toEqual({
      pdfUrl: server.url(PDF_PATH),
      landingUrl: `https://doi.org/${PNAS_DOI}`,
      version: "publishedVersion",
      hostType: "publisher",
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.path).toBe(`${API}/${PNAS_DOI}`);
    expect(server.requests[0]?.query.get("email")).toBe(EMAIL);
  });

  it("returns the landing page, licence and version when no location links a PDF", async () => {
    const { server, context } = await unpaywall();
    server.route(lookupRoute("10.1016/j.xgen.2025.100814", { bodyFile: XGEN_FIXTURE }));

    expect(await findOpenAccessPdf(context, "10.1016/j.xgen.2025.100814")).toEqual({
      landingUrl: "https://doi.org/10.1016/j.xgen.2025.100814",
      license: "cc-by",
      version: "publishedVersion",
      hostType: "publisher",
    });
  });

  it("prefers another location's PDF when the best location has none", async () => {
    const { server, context } = await unpaywall();
    const answer = JSON.parse(readFixture(XGEN_FIXTURE).toString("utf8")) as { oa_locations: Record<string, unknown>[] };
    const repository = answer.oa_locations[1] as Record<string, unknown>;
    repository.url_for_pdf = server.url("/pmc/12008803.pdf");
    server.route(lookupRoute("10.1016/j.xgen.2025.100814", { body: JSON.stringify(answer) }));

    expect(await findOpenAccessPdf(context, "10.1016/j.xgen.2025.100814")).toEqual({
      pdfUrl: server.url("/pmc/12008803.pdf"),
      landingUrl: "https://www.ncbi.nlm.nih.gov/pmc/articles/12008803",
      license: "other-oa",
      version: "submittedVersion",
      hostType: "repository",
    });
  });

  it("returns undefined for a closed-access DOI and for a DOI Unpaywall does not know", async () => {
    const { server, context } = await unpaywall();
    server.route(lookupRoute("10.1007/s40278-023-41815-2", { bodyFile: CLOSED_FIXTURE }));
    server.route(lookupRoute("10.5555/unknown", { status: 404, body: '{"HTTP_status_code": 404, "error": true}' }));

    expect(await findOpenAccessPdf(context, "10.1007/s40278-023-41815-2")).toBeUndefined();
    expect(await findOpenAccessPdf(context, "10.5555/unknown")).toBeUndefined();
    expect(server.requests).toHaveLength(2);
  });

  it("makes no request without a contact address, and says how to give one", async () => {
    const { server, context } = await unpaywall({ email: null });
    server.route(lookupRoute(PNAS_DOI, { bodyFile: PNAS_FIXTURE }));

    const error = await rejection(findOpenAccessPdf(context, PNAS_DOI));
    expect(error).toBeInstanceOf(NoFullTextError);
    expect((error as Error).message).toBe("Unpaywall needs a contact address: set LITREVIEW_EMAIL");
    expect(server.requests).toHaveLength(0);
  });

  it("fails with one clear line on malformed JSON or an unexpected shape", async () => {
    const { server, context } = await unpaywall();
    server.route(lookupRoute("10.5555/odd", { body: '{"doi": "10.5555/odd", "is_oa": "yes"}' }));
    const broken = await unpaywall();
    broken.server.route({ ...lookupRoute(PNAS_DOI, { bodyFile: PNAS_FIXTURE }), faults: [{ type: "malformed" }] });

    await expect(findOpenAccessPdf(broken.context, PNAS_DOI)).rejects.toThrow(new RunError("Unpaywall returned malformed JSON"));
    await expect(findOpenAccessPdf(context, "10.5555/odd")).rejects.toThrow(new RunError("Unpaywall returned a response in an unexpected shape"));
  });
});

describe("fetchPdfFullText", () => {
  it("reads the open-access PDF Unpaywall points to into the record's document", async () => {
    const { server, context } = await unpaywall();
    server.route(lookupRoute(PNAS_DOI, { body: pnasAnswerLinkingTo(server.url(PDF_PATH)) }));
    server.route({ path: PDF_PATH, response: { body: Buffer.from(await samplePaperPdf()), headers: PDF_HEADERS } });

    const location = await findOpenAccessPdf(context, PNAS_DOI);
    const paper = await fetchPdfFullText(context, location?.pdfUrl ?? "", PNAS_RECORD);

    // Metadata stays the source's; only the document comes from the PDF.
    expect(paper.record).toEqual(PNAS_RECORD);
    expect(paper.document.paperId).toBe(PNAS_RECORD.id);
    expect(paper.document.access).toBe("fulltext");
    expect(paper.document.sections.map((section) => section.path[0])).toEqual(["Abstract", undefined, "Introduction", "Methods", "Results", "Discussion"]);
    expect(paper.document.references).toHaveLength(SAMPLE.references.length);
    const pdfRequest = server.requestsTo(PDF_PATH)[0];
    expect(pdfRequest?.headers.accept).toBe("application/pdf");
  });

  it("says an HTML landing page, a 403 or a 404 is no PDF", async () => {
    const { server, context } = await unpaywall();
    server.route({ path: "/landing", response: { body: "<!DOCTYPE html><html><body>Article</body></html>", headers: { "content-type": "text/html; charset=utf-8" } } });
    server.route({ path: "/mislabelled", response: { body: "<html><body>Log in</body></html>", headers: PDF_HEADERS } });
    server.route({ path: "/forbidden", response: { status: 403, body: "Forbidden", headers: { "content-type": "text/plain" } } });
    server.route({ path: "/gone", response: { status: 404, body: "Not found", headers: { "content-type": "text/plain" } } });

    const expected = {
      "/landing": `${server.url("/landing")} did not return a PDF`,
      "/mislabelled": `${server.url("/mislabelled")} did not return a PDF`,
      "/forbidden": `${server.url("/forbidden")} did not return a PDF (HTTP 403)`,
      "/gone": `${server.url("/gone")} did not return a PDF (HTTP 404)`,
    };
    for (const [path, message] of Object.entries(expected)) {
      const error = await rejection(fetchPdfFullText(context, server.url(path), PNAS_RECORD));
      expect(error).toBeInstanceOf(NoFullTextError);
      expect((error as Error).message).toBe(message);
    }
  });

  it("says a PDF of scanned pages has no full text, and a damaged PDF cannot be read", async () => {
    const { server, context } = await unpaywall();
    const damaged = Buffer.from(await samplePaperPdf()).subarray(0, 600);
    server.route({ path: "/scan.pdf", response: { body: Buffer.from(await imageOnlyPdf()), headers: PDF_HEADERS } });
    server.route({ path: "/damaged.pdf", response: { body: damaged, headers: PDF_HEADERS } });

    const scanned = await rejection(fetchPdfFullText(context, server.url("/scan.pdf"), PNAS_RECORD));
    expect(scanned).toBeInstanceOf(NoFullTextError);
    expect((scanned as Error).message).toBe(`${server.url("/scan.pdf")} has no extractable text (scanned image?)`);
    // A damaged file is a failure to report, not a definite "no full text here".
    const damagedRead = await rejection(fetchPdfFullText(context, server.url("/damaged.pdf"), PNAS_RECORD));
    expect(damagedRead).toBeInstanceOf(RunError);
    expect(damagedRead).not.toBeInstanceOf(NoFullTextError);
    expect((damagedRead as Error).message).toMatch(/ is not a readable PDF: \S/);
  });
});
