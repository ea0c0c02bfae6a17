// Europe PMC REST API: search (resultType=core, cursor paging) and open-access full text (JATS).
// Every response is validated at this boundary; a malformed record is skipped, not fatal.
import { z } from "zod";
import { RunError } from "../errors.js";
import { parseJats } from "../fulltext/jats.js";
import { cleanIds, normaliseWhitespace, paperUrl, parseInitialsAuthors, parseYear, recordIdFor } from "../fulltext/paper.js";
import type { Author, LoadedPaper, PaperRecord } from "../types.js";
import { NoFullTextError, parseJsonBody, type SourceContext, type SourceSearchResult } from "./context.js";

const MAX_PAGE_SIZE = 1000;

const authorSchema = z.object({
  fullName: z.string().optional(),
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  collectiveName: z.string().optional(),
});

const resultSchema = z.object({
  id: z.string(),
  source: z.string(),
  pmid: z.string().optional(),
  pmcid: z.string().optional(),
  doi: z.string().optional(),
  title: z.string().default(""),
  authorList: z.object({ author: z.array(authorSchema) }).optional(),
  pubYear: z.string().optional(),
  journalInfo: z.object({ journal: z.object({ title: z.string().optional() }).optional() }).optional(),
  abstractText: z.string().optional(),
  isOpenAccess: z.string().optional(),
  inEPMC: z.string().optional(),
  citedByCount: z.number().optional(),
  pubTypeList: z.object({ pubType: z.array(z.string()) }).optional(),
});

const searchResponseSchema = z.object({
  hitCount: z.number(),
  nextCursorMark: z.string().optional(),
  resultList: z.object({ result: z.array(z.unknown()) }),
});

/** Search with Europe PMC's query syntax, following cursor pages until `limit` records or the end. */
export async function searchEuropePmc(source: SourceContext, query: string, limit: number): Promise<SourceSearchResult> {
  const records: PaperRecord[] = [];
  let cursorMark = "*";
  let hitCount = 0;
  while (records.length < limit) {
    const url = new URL(`${source.endpoints.europepmc}/search`);
    url.search = new URLSearchParams({
      query,
      resultType: "core",
      format: "json",
      pageSize: String(Math.min(limit - records.length, MAX_PAGE_SIZE)),
      cursorMark,
    }).toString();
    const response = await source.http.request({ url: url.toString(), kind: "search", accept: "application/json", signal: source.signal });
    if (response.status !== 200) throw new RunError(`Europe PMC search failed: HTTP ${response.status}`);
    const page = searchResponseSchema.safeParse(parseJsonBody(response.text(), "Europe PMC"));
    if (!page.success) throw new RunError("Europe PMC search returned a response in an unexpected shape");
    hitCount = page.data.hitCount;
    for (const raw of page.data.resultList.result) {
      const result = resultSchema.safeParse(raw);
      if (result.success) records.push(toRecord(result.data, query));
      else source.logger.debug(`skipped a malformed Europe PMC record: ${result.error.issues[0]?.message ?? ""}`);
    }
    // The documented end of paging: no new cursor, the same cursor again, or an empty page.
    const next = page.data.nextCursorMark;
    if (!next || next === cursorMark || page.data.resultList.result.length === 0) break;
    cursorMark = next;
  }
  return { source: "europepmc", query, hitCount, records: records.slice(0, limit) };
}

/** The open-access JATS full text of a PMC article, parsed; a clear error when Europe PMC has none. */
export async function fetchEuropePmcFullText(source: SourceContext, pmcid: string): Promise<LoadedPaper> {
  const url = `${source.endpoints.europepmc}/${encodeURIComponent(pmcid)}/fullTextXML`;
  const response = await source.http.request({ url, kind: "fulltext", accept: "application/xml", signal: source.signal });
  if (response.status === 404) throw new NoFullTextError(`Europe PMC has no open-access full text for ${pmcid}`);
  if (response.status !== 200) throw new RunError(`Europe PMC full text for ${pmcid} failed: HTTP ${response.status}`);
  let paper: LoadedPaper;
  try {
    paper = parseJats(response.text(), pmcid);
  } catch (error) {
    throw new RunError(`Europe PMC full text for ${pmcid} could not be read: ${(error as Error).message}`);
  }
  return { ...paper, record: { ...paper.record, foundBy: [{ source: "europepmc" }] } };
}

function toRecord(result: z.infer<typeof resultSchema>, query: string): PaperRecord {
  const ids = cleanIds({ doi: result.doi, pmid: result.pmid, pmcid: result.pmcid });
  const year = parseYear(result.pubYear);
  const journal = result.journalInfo?.journal?.title;
  const abstract = result.abstractText ? normaliseWhitespace(result.abstractText.replace(/<[^>]+>/g, " ")) : undefined;
  const url = paperUrl(ids);
  return {
    id: Object.keys(ids).length > 0 ? recordIdFor(ids) : `europepmc:${result.source}:${result.id}`,
    ids,
    title: normaliseWhitespace(result.title.replace(/<[^>]+>/g, "")),
    authors: (result.authorList?.author ?? []).flatMap(toAuthor),
    ...(year !== undefined ? { year } : {}),
    ...(journal ? { journal } : {}),
    ...(abstract ? { abstract } : {}),
    openAccess: result.isOpenAccess === "Y",
    retracted: result.pubTypeList?.pubType.some((type) => /retracted publication|retraction of publication/i.test(type)) ?? false,
    ...(result.citedByCount !== undefined ? { citationCount: result.citedByCount } : {}),
    foundBy: [{ source: "europepmc", query }],
    ...(url ? { url } : {}),
  };
}

const linkedRecordSchema = z.object({
  id: z.string().optional(),
  source: z.string().optional(),
  pmid: z.string().optional(),
  pmcid: z.string().optional(),
  doi: z.string().optional(),
  title: z.string().optional(),
  authorString: z.string().optional(),
  journalAbbreviation: z.string().optional(),
  pubYear: z.union([z.string(), z.number()]).optional(),
  citedByCount: z.number().optional(),
});

const linkPageSchema = z.object({
  hitCount: z.number(),
  referenceList: z.object({ reference: z.array(z.unknown()) }).optional(),
  citationList: z.object({ citation: z.array(z.unknown()) }).optional(),
});

export type CitationDirection = "references" | "citations";

/**
 * Follow the citation graph one step: the papers a record cites (`references`) or that cite it
 * (`citations`), as Europe PMC matched them. Unmatched references (free text only) are left out.
 */
export async function fetchEuropePmcLinks(
  source: SourceContext,
  record: PaperRecord,
  direction: CitationDirection,
  limit: number,
): Promise<PaperRecord[]> {
  const target = record.ids.pmid ? `MED/${record.ids.pmid}` : record.ids.pmcid ? `PMC/${record.ids.pmcid}` : undefined;
  if (!target) return [];
  const records: PaperRecord[] = [];
  const pageSize = Math.min(limit, MAX_PAGE_SIZE);
  let seen = 0;
  for (let page = 1; records.length < limit; page += 1) {
    const url = new URL(`${source.endpoints.europepmc}/${target}/${direction}`);
    url.search = new URLSearchParams({ page: String(page), pageSize: String(pageSize), format: "json" }).toString();
    const response = await source.http.request({ url: url.toString(), kind: "metadata", accept: "application/json", signal: source.signal });
    if (response.status === 404) return records;
    if (response.status !== 200) throw new RunError(`Europe PMC ${direction} of ${record.id} failed: HTTP ${response.status}`);
    const parsed = linkPageSchema.safeParse(parseJsonBody(response.text(), "Europe PMC"));
    if (!parsed.success) throw new RunError(`Europe PMC ${direction} of ${record.id} came back in an unexpected shape`);
    const entries = (direction === "references" ? parsed.data.referenceList?.reference : parsed.data.citationList?.citation) ?? [];
    for (const raw of entries) {
      const entry = linkedRecordSchema.safeParse(raw);
      const linked = entry.success ? linkedRecord(entry.data, direction, record.id) : undefined;
      if (linked) records.push(linked);
    }
    // A page may hold fewer entries than asked (the server caps page sizes): stop on what was seen.
    seen += entries.length;
    if (entries.length === 0 || seen >= parsed.data.hitCount) break;
  }
  return records.slice(0, limit);
}

function linkedRecord(entry: z.infer<typeof linkedRecordSchema>, direction: CitationDirection, fromId: string): PaperRecord | undefined {
  const ids = cleanIds({
    doi: entry.doi,
    pmid: entry.pmid ?? (entry.source === "MED" ? entry.id : undefined),
    pmcid: entry.pmcid ?? (entry.source === "PMC" ? entry.id : undefined),
  });
  const title = entry.title ? normaliseWhitespace(entry.title.replace(/<[^>]+>/g, "")) : "";
  if (Object.keys(ids).length === 0 || title === "") return undefined;
  const year = parseYear(entry.pubYear);
  const url = paperUrl(ids);
  return {
    id: recordIdFor(ids),
    ids,
    title,
    authors: parseInitialsAuthors(entry.authorString),
    ...(year !== undefined ? { year } : {}),
    ...(entry.journalAbbreviation ? { journal: entry.journalAbbreviation } : {}),
    ...(entry.citedByCount !== undefined ? { citationCount: entry.citedByCount } : {}),
    foundBy: [{ source: "europepmc", query: `${direction} of ${fromId}` }],
    ...(url ? { url } : {}),
  };
}

function toAuthor(author: z.infer<typeof authorSchema>): Author[] {
  if (author.lastName) return [{ family: author.lastName, ...(author.firstName ? { given: author.firstName } : {}) }];
  const name = author.collectiveName ?? author.fullName;
  return name ? [{ family: name }] : [];
}

