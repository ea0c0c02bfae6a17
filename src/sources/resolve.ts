// From an identifier a user types (PMCID, PMID, DOI, arXiv id) to the paper's record, asking the
// source that knows that kind of identifier best.
import { errorMessage } from "../errors.js";
import { normaliseDoi, normalisePmcid, normalisePmid, recordIdFor } from "../fulltext/paper.js";
import type { PaperIds, PaperRecord } from "../types.js";
import { fetchArxivRecords } from "./arxiv.js";
import type { SourceContext } from "./context.js";
import { searchEuropePmc } from "./europepmc.js";
import { mergeRecords } from "./merge.js";
import { fetchPubMedRecords } from "./ncbi.js";
import { fetchOpenAlexWork } from "./openalex.js";

export type PaperIdentifier = { kind: "pmcid" | "pmid" | "doi" | "arxiv"; value: string };

const NEW_ARXIV_ID = /^(\d{4}\.\d{4,5})(?:v\d+)?$/;
const OLD_ARXIV_ID = /^([a-z-]+(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?$/i;

/** The identifier in `text`, or undefined when it is none of the kinds we know. */
export function parsePaperIdentifier(text: string): PaperIdentifier | undefined {
  const trimmed = text.trim();
  const pmcid = /^pmc\d+$/i.test(trimmed) ? normalisePmcid(trimmed) : undefined;
  if (pmcid) return { kind: "pmcid", value: pmcid };
  const arxivText = trimmed.replace(/^(?:arxiv:|https?:\/\/(?:export\.)?arxiv\.org\/(?:abs|pdf)\/)/i, "").replace(/\.pdf$/i, "");
  const arxiv = NEW_ARXIV_ID.exec(arxivText)?.[1] ?? OLD_ARXIV_ID.exec(arxivText)?.[1];
  if (arxiv && (arxivText !== trimmed || NEW_ARXIV_ID.test(trimmed) || OLD_ARXIV_ID.test(trimmed))) return { kind: "arxiv", value: arxiv };
  const pmid = /^(?:pmid:\s*)?\d+$/i.test(trimmed) ? normalisePmid(trimmed.replace(/^pmid:\s*/i, "")) : undefined;
  if (pmid) return { kind: "pmid", value: pmid };
  const doi = normaliseDoi(trimmed);
  if (doi) return { kind: "doi", value: doi };
  return undefined;
}

/**
 * The paper's record from the sources; a bare record (ids only) when no source describes it or the
 * lookup fails, so that reading the full text can still be tried. A PMCID needs no lookup: the
 * article's own JATS carries its metadata.
 */
export async function resolvePaper(context: SourceContext, identifier: PaperIdentifier): Promise<PaperRecord> {
  let found: PaperRecord[] = [];
  try {
    found = await lookUp(context, identifier);
  } catch (error) {
    context.signal?.throwIfAborted();
    context.logger.warn(`could not look up ${identifier.value}: ${errorMessage(error)}`);
  }
  const [record] = mergeRecords(found);
  return record ?? bareRecord({ [identifier.kind]: identifier.value });
}

async function lookUp(context: SourceContext, { kind, value }: PaperIdentifier): Promise<PaperRecord[]> {
  switch (kind) {
    case "pmcid":
      return [];
    case "pmid":
      return fetchPubMedRecords(context, [value]);
    case "arxiv":
      return fetchArxivRecords(context, [value]);
    case "doi": {
      const europePmc = (await searchEuropePmc(context, `DOI:"${value}"`, 1)).records;
      if (europePmc.length > 0 || !context.keys.openAlex) return europePmc;
      const work = await fetchOpenAlexWork(context, { doi: value });
      return work ? [work] : [];
    }
  }
}

function bareRecord(ids: PaperIds): PaperRecord {
  return { id: recordIdFor(ids), ids, title: "", authors: [], foundBy: [] };
}
