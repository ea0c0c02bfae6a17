// One entry point for reading a paper: try the legal open-access sources in order (Europe PMC JATS,
// PMC JATS, arXiv PDF, Unpaywall PDF, OpenAlex PDF) and say how the text was obtained. Metadata
// always comes from the record (the sources' view of the paper); only the document comes from the
// full text. What was tried, and why each source gave nothing, travels with the paper.
import { errorMessage } from "../errors.js";
import { arxivPdfUrl } from "./arxiv.js";
import { NoFullTextError, type SourceContext } from "./context.js";
import { combineRecords } from "./merge.js";
import { fetchEuropePmcFullText } from "./europepmc.js";
import { fetchPmcFullText } from "./ncbi.js";
import { fetchOpenAlexOpenAccessPdf } from "./openalex.js";
import { fetchPdfFullText, findOpenAccessPdf } from "./unpaywall.js";
import type { Document, LoadedPaper, PaperRecord } from "../types.js";

export type FullTextRoute = "europepmc" | "pmc" | "arxiv" | "unpaywall" | "openalex";

export interface FullTextAttempt {
  route: FullTextRoute;
  /** `none`: the source answered and has no full text; `failed`: it could not be asked or its answer not read. */
  outcome: "fulltext" | "none" | "failed";
  detail: string;
}

export interface FullTextResult {
  paper: LoadedPaper;
  attempts: FullTextAttempt[];
}

interface Route {
  route: FullTextRoute;
  applies(record: PaperRecord, context: SourceContext): boolean;
  read(record: PaperRecord, context: SourceContext): Promise<LoadedPaper>;
}

const ROUTES: Route[] = [
  {
    route: "europepmc",
    // Europe PMC holds full text only for its open-access subset; isOpenAccess=N predicts a 404.
    applies: (record) => record.ids.pmcid !== undefined && record.openAccess !== false,
    read: (record, context) => fetchEuropePmcFullText(context, record.ids.pmcid as string),
  },
  {
    route: "pmc",
    applies: (record) => record.ids.pmcid !== undefined,
    read: (record, context) => fetchPmcFullText(context, record.ids.pmcid as string),
  },
  {
    route: "arxiv",
    applies: (record) => record.ids.arxiv !== undefined,
    read: (record, context) => fetchPdfFullText(context, arxivPdfUrl(context, record.ids.arxiv as string), record),
  },
  {
    route: "unpaywall",
    // Without a contact address Unpaywall is not asked, and the reason says how to fix that.
    applies: (record) => record.ids.doi !== undefined,
    read: async (record, context) => {
      const location = await findOpenAccessPdf(context, record.ids.doi as string);
      if (!location?.pdfUrl) throw new NoFullTextError("Unpaywall knows no open-access PDF");
      return fetchPdfFullText(context, location.pdfUrl, record);
    },
  },
  {
    route: "openalex",
    applies: (record, context) => record.ids.doi !== undefined && context.keys.openAlex !== undefined,
    read: async (record, context) => {
      const pdfUrl = await fetchOpenAlexOpenAccessPdf(context, record.ids.doi as string);
      if (!pdfUrl) throw new NoFullTextError("OpenAlex knows no open-access PDF");
      return fetchPdfFullText(context, pdfUrl, record);
    },
  },
];

/** The paper's full text from the first source that has it, else its abstract, else nothing, with the reasons. */
export async function fetchFullText(context: SourceContext, record: PaperRecord): Promise<FullTextResult> {
  const attempts: FullTextAttempt[] = [];
  for (const route of ROUTES) {
    if (!route.applies(record, context)) continue;
    context.signal?.throwIfAborted();
    try {
      const read = await route.read(record, context);
      if (read.document.access === "fulltext") {
        attempts.push({ route: route.route, outcome: "fulltext", detail: "full text read" });
        const document = { ...read.document, paperId: record.id, accessReason: `full text from ${routeName(route.route)}` };
        return { paper: { record: enrichRecord(record, read.record), document }, attempts };
      }
      attempts.push({ route: route.route, outcome: "none", detail: "no body text in the article" });
    } catch (error) {
      if (context.signal?.aborted) throw error;
      const outcome = error instanceof NoFullTextError ? "none" : "failed";
      attempts.push({ route: route.route, outcome, detail: errorMessage(error) });
      if (outcome === "failed") context.logger.warn(`${routeName(route.route)} full text of ${record.id} failed: ${errorMessage(error)}`);
    }
  }
  return { paper: { record, document: abstractDocument(record, attempts) }, attempts };
}

/**
 * The record completed with what the article itself says (ids, authors, journal, abstract). The
 * record keeps its id, which the rest of the run already uses, and its own sources.
 */
function enrichRecord(record: PaperRecord, fromArticle: PaperRecord): PaperRecord {
  const { local: _local, ...articleIds } = fromArticle.ids;
  const combined = combineRecords([record, { ...fromArticle, ids: articleIds, foundBy: [] }]);
  return { ...combined, id: record.id, title: record.title || combined.title };
}

/** The abstract as the paper's only text (or nothing), with why no full text was read. */
export function abstractDocument(record: PaperRecord, attempts: readonly FullTextAttempt[]): Document {
  const tried = attempts.map((attempt) => `${routeName(attempt.route)}: ${attempt.detail}`).join("; ");
  const why = attempts.length === 0 ? "no open-access source to try" : `no open-access full text (${tried})`;
  const abstract = record.abstract?.trim();
  return {
    paperId: record.id,
    access: abstract ? "abstract-only" : "unavailable",
    accessReason: abstract ? why : `no abstract and ${why}`,
    sections: abstract ? [{ path: ["Abstract"], paragraphs: [abstract] }] : [],
    captions: [],
    references: [],
  };
}

function routeName(route: FullTextRoute): string {
  return { europepmc: "Europe PMC", pmc: "PMC", arxiv: "arXiv", unpaywall: "Unpaywall", openalex: "OpenAlex" }[route];
}
