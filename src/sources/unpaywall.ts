// Unpaywall: where the legal open-access copy of a DOI lives (v2 API), and reading a PDF found
// there (or at any open-access PDF link) into the paper's document. Unpaywall requires a contact
// address on every call, so without one no request is made.
import { z } from "zod";

import { RunError } from "../errors.js";
import { looksLikePdf, parsePdf, PdfWithoutTextError } from "../fulltext/pdf.js";
import { normaliseDoi } from "../fulltext/paper.js";
import type { LoadedPaper, PaperRecord } from "../types.js";
import { NoFullTextError, parseJsonBody, type SourceContext } from "./context.js";

export interface OpenAccessLocation {
  pdfUrl?: string;
  landingUrl?: string;
  /** As Unpaywall names it: `cc-by`, `cc-by-nc`, `other-oa`, … */
  license?: string;
  /** `publishedVersion`, `acceptedVersion` or `submittedVersion`. */
  version?: string;
  /** `publisher` or `repository`. */
  hostType?: string;
}

const optionalText = z.string().nullish();

const locationSchema = z.object({
  url: optionalText,
  url_for_pdf: optionalText,
  url_for_landing_page: optionalText,
  license: optionalText,
  version: optionalText,
  host_type: optionalText,
});

type UnpaywallLocation = z.infer<typeof locationSchema>;

const responseSchema = z.object({
  is_oa: z.boolean(),
  best_oa_location: z.unknown().optional(),
  oa_locations: z.array(z.unknown()).nullish(),
});

/**
 * The open-access location of a DOI: the best one when it links a PDF, else the first one that
 * does, else the best (landing page only). Undefined when the DOI is closed access or unknown (404).
 */
export async function findOpenAccessPdf(ctx: SourceContext, doi: string): Promise<OpenAccessLocation | undefined> {
  if (!ctx.email) throw new NoFullTextError("Unpaywall needs a contact address: set LITREVIEW_EMAIL");
  const bareDoi = normaliseDoi(doi);
  if (!bareDoi) throw new RunError(`Unpaywall lookup needs a DOI, got "${doi}"`);
  // The DOI is the path (its "/" included); anything else in it that has a meaning in URLs is escaped.
  const url = `${ctx.endpoints.unpaywall}/${encodeURIComponent(bareDoi).replaceAll("%2F", "/")}?email=${encodeURIComponent(ctx.email)}`;
  const response = await ctx.http.request({ url, kind: "metadata", accept: "application/json", signal: ctx.signal });
  if (response.status === 404) return undefined;
  if (response.status === 422) throw new RunError(`Unpaywall refused the contact address (HTTP 422): set LITREVIEW_EMAIL to a real address`);
  if (response.status !== 200) throw new RunError(`Unpaywall lookup of ${bareDoi} failed: HTTP ${response.status}`);

  const parsed = responseSchema.safeParse(parseJsonBody(response.text(), "Unpaywall"));
  if (!parsed.success) throw new RunError("Unpaywall returned a response in an unexpected shape");
  if (!parsed.data.is_oa) return undefined;

  const best = readLocation(ctx, parsed.data.best_oa_location);
  const others = (parsed.data.oa_locations ?? []).map((raw) => readLocation(ctx, raw));
  const chosen = best?.url_for_pdf ? best : (others.find((location) => location?.url_for_pdf) ?? best ?? others.find(Boolean));
  return chosen ? toOpenAccessLocation(chosen) : undefined;
}

/**
 * The full text of `record` from an open-access PDF at `url`: the record as given (the sources'
 * metadata) with the document read from the PDF. A landing page, a 403 or a 404 instead of a PDF,
 * or a PDF of scanned pages, is a NoFullTextError; a PDF that cannot be read is a RunError.
 */
export async function fetchPdfFullText(ctx: SourceContext, url: string, record: PaperRecord): Promise<LoadedPaper> {
  const response = await ctx.http.request({ url, kind: "fulltext", accept: "application/pdf", signal: ctx.signal });
  if (response.status >= 400 && response.status < 500) throw new NoFullTextError(`${url} did not return a PDF (HTTP ${response.status})`);
  if (response.status !== 200) throw new RunError(`PDF download from ${url} failed: HTTP ${response.status}`);
  const isHtml = /\bx?html\b/i.test(response.headers["content-type"] ?? "");
  if (isHtml || !looksLikePdf(response.body)) throw new NoFullTextError(`${url} did not return a PDF`);
  let paper: LoadedPaper;
  try {
    paper = await parsePdf(response.body, url, record);
  } catch (error) {
    // Scanned pages without text: the source answered, and it has no machine-readable full text.
    if (error instanceof PdfWithoutTextError) throw new NoFullTextError(error.message);
    throw error;
  }
  return { record, document: { ...paper.document, paperId: record.id } };
}

function readLocation(ctx: SourceContext, raw: unknown): UnpaywallLocation | undefined {
  if (raw === null || raw === undefined) return undefined;
  const location = locationSchema.safeParse(raw);
  if (location.success) return location.data;
  ctx.logger.debug(`skipped a malformed Unpaywall location: ${location.error.issues[0]?.message ?? ""}`);
  return undefined;
}

function toOpenAccessLocation(location: UnpaywallLocation): OpenAccessLocation {
  const landingUrl = location.url_for_landing_page ?? location.url;
  return {
    ...(location.url_for_pdf ? { pdfUrl: location.url_for_pdf } : {}),
    ...(landingUrl ? { landingUrl } : {}),
    ...(location.license ? { license: location.license } : {}),
    ...(location.version ? { version: location.version } : {}),
    ...(location.host_type ? { hostType: location.host_type } : {}),
  };
}

