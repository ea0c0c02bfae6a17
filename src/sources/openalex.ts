// OpenAlex: keyword search (cursor paging), single works by DOI or W-id, the works a paper cites,
// and where its open-access PDF lives. Every response is validated at this boundary; a malformed
// work in a list is skipped, a malformed response as a whole is a RunError.
import { z } from "zod";
import { RunError } from "../errors.js";
import {
  cleanIds,
  normaliseDoi,
  normaliseOpenAlexId,
  normaliseWhitespace,
  paperUrl,
  parseAuthorName,
  recordIdFor,
} from "../fulltext/paper.js";
import type { Author, FoundBy, PaperRecord } from "../types.js";
import { parseJsonBody, type SourceContext, type SourceSearchResult } from "./context.js";

const MAX_PAGE_SIZE = 100;
/** OpenAlex takes at most 50 values in one OR (`|`) filter. */
const MAX_FILTER_VALUES = 50;

const locationSchema = z.object({
  is_oa: z.boolean().nullish(),
  pdf_url: z.string().nullish(),
  source: z.object({ display_name: z.string().nullish() }).nullish(),
});

const invertedIndexSchema = z.record(z.string(), z.array(z.number().int().nonnegative()));

const workSchema = z.object({
  id: z.string(),
  doi: z.string().nullish(),
  title: z.string().nullish(),
  display_name: z.string().nullish(),
  publication_year: z.number().int().nullish(),
  ids: z.object({ pmid: z.string().nullish(), pmcid: z.string().nullish() }).nullish(),
  authorships: z.array(z.object({ author: z.object({ display_name: z.string().nullish() }).nullish() })).nullish(),
  primary_location: locationSchema.nullish(),
  // A broken abstract index costs the abstract, not the whole work.
  abstract_inverted_index: invertedIndexSchema.nullish().catch(null),
  open_access: z.object({ is_oa: z.boolean().nullish() }).nullish(),
  cited_by_count: z.number().int().nullish(),
  is_retracted: z.boolean().nullish(),
});

type Work = z.infer<typeof workSchema>;

const listSchema = z.object({
  meta: z.object({ count: z.number().int().nonnegative(), next_cursor: z.string().nullish() }),
  results: z.array(z.unknown()),
});

const referencesSchema = z.object({ id: z.string(), referenced_works: z.array(z.string()).nullish() });

const pdfLocationsSchema = z.object({ best_oa_location: locationSchema.nullish(), locations: z.array(locationSchema).nullish() });

/** A work to look up: by DOI or by OpenAlex id (`W…` or its URL). */
export type OpenAlexWorkId = { doi: string } | { openalex: string };

/**
 * Search OpenAlex (title, abstract and full text) and follow cursor pages until `limit` records or
 * the end. Search is billed to an API key, so without one nothing is sent and the result is empty.
 */
export async function searchOpenAlex(ctx: SourceContext, query: string, limit: number): Promise<SourceSearchResult> {
  if (!ctx.keys.openAlex) {
    ctx.logger.info("OpenAlex skipped: set OPENALEX_API_KEY to search it");
    return { source: "openalex", query, hitCount: 0, records: [] };
  }
  const records: PaperRecord[] = [];
  let cursor = "*";
  let hitCount = 0;
  while (records.length < limit) {
    const perPage = Math.min(limit - records.length, MAX_PAGE_SIZE);
    const page = await fetchWorkList(ctx, { search: query, per_page: String(perPage), cursor }, "search");
    hitCount = page.meta.count;
    records.push(...toRecords(ctx, page.results, { source: "openalex", query }));
    // The documented end of paging is a null cursor; a repeated cursor or an empty page would loop forever.
    const next = page.meta.next_cursor;
    if (!next || next === cursor || page.results.length === 0) break;
    cursor = next;
  }
  return { source: "openalex", query, hitCount, records: records.slice(0, limit) };
}

/** One work by DOI or OpenAlex id; undefined when OpenAlex does not know it (404). */
export async function fetchOpenAlexWork(ctx: SourceContext, id: OpenAlexWorkId): Promise<PaperRecord | undefined> {
  const json = await fetchWork(ctx, id, []);
  if (json === undefined) return undefined;
  const work = workSchema.safeParse(json);
  if (!work.success) throw new RunError("OpenAlex returned a work in an unexpected shape");
  return toRecord(work.data, { source: "openalex" });
}

/**
 * The works a paper cites (its `referenced_works`), at most `limit`, fetched 50 to a request.
 * A record with neither an OpenAlex id nor a DOI, or a work OpenAlex does not know, has none.
 */
export async function fetchOpenAlexReferences(ctx: SourceContext, work: PaperRecord | string, limit: number): Promise<PaperRecord[]> {
  if (limit <= 0) return [];
  const id = typeof work === "string" ? { openalex: work } : lookupId(work);
  if (!id) {
    ctx.logger.debug(`cannot follow the references of ${typeof work === "string" ? work : work.id} on OpenAlex: no OpenAlex id or DOI`);
    return [];
  }
  const json = await fetchWork(ctx, id, ["id", "referenced_works"]);
  if (json === undefined) return [];
  const parsed = referencesSchema.safeParse(json);
  if (!parsed.success) throw new RunError("OpenAlex returned a work's references in an unexpected shape");
  const referenced = [...new Set((parsed.data.referenced_works ?? []).flatMap((raw) => normaliseOpenAlexId(raw) ?? []))].slice(0, limit);
  const foundBy: FoundBy = { source: "openalex", query: `references of ${normaliseOpenAlexId(parsed.data.id) ?? parsed.data.id}` };
  const records: PaperRecord[] = [];
  for (let start = 0; start < referenced.length; start += MAX_FILTER_VALUES) {
    const batch = referenced.slice(start, start + MAX_FILTER_VALUES);
    const page = await fetchWorkList(ctx, { filter: `openalex_id:${batch.join("|")}`, per_page: String(batch.length) }, "reference lookup");
    records.push(...toRecords(ctx, page.results, foundBy));
  }
  return records.slice(0, limit);
}

/** The PDF of the work's best open-access location, else of any open-access location; undefined when none. */
export async function fetchOpenAlexOpenAccessPdf(ctx: SourceContext, doi: string): Promise<string | undefined> {
  const json = await fetchWork(ctx, { doi }, ["best_oa_location", "locations"]);
  if (json === undefined) return undefined;
  const parsed = pdfLocationsSchema.safeParse(json);
  if (!parsed.success) throw new RunError("OpenAlex returned a work's locations in an unexpected shape");
  const { best_oa_location: best, locations } = parsed.data;
  return best?.pdf_url ?? locations?.find((location) => location.is_oa && location.pdf_url)?.pdf_url ?? undefined;
}

/**
 * The abstract as text from OpenAlex's inverted index (word → positions): each word at each of its
 * positions, in order. Missing positions are skipped; an absent or empty index gives undefined.
 */
export function abstractFromInvertedIndex(index: Readonly<Record<string, readonly number[]>> | null | undefined): string | undefined {
  if (!index) return undefined;
  // Sorting (position, word) pairs rather than filling an array: a bogus huge position costs nothing.
  const placed: [number, string][] = [];
  for (const [word, positions] of Object.entries(index)) {
    for (const position of positions) placed.push([position, word]);
  }
  placed.sort((a, b) => a[0] - b[0]);
  const text = normaliseWhitespace(placed.map(([, word]) => word).join(" "));
  return text === "" ? undefined : text;
}

async function fetchWorkList(
  ctx: SourceContext,
  params: Record<string, string>,
  what: "search" | "reference lookup",
): Promise<z.infer<typeof listSchema>> {
  const response = await ctx.http.request({
    url: openAlexUrl(ctx, "/works", params),
    kind: what === "search" ? "search" : "metadata",
    accept: "application/json",
    signal: ctx.signal,
  });
  if (response.status !== 200) throw failure(`OpenAlex ${what}`, response.status);
  const page = listSchema.safeParse(parseJsonBody(response.text(), "OpenAlex"));
  if (!page.success) throw new RunError(`OpenAlex ${what} returned a response in an unexpected shape`);
  return page.data;
}

/** A single work's JSON (only the `select`ed fields when given); undefined on 404. */
async function fetchWork(ctx: SourceContext, id: OpenAlexWorkId, select: string[]): Promise<unknown> {
  const params: Record<string, string> = select.length > 0 ? { select: select.join(",") } : {};
  const response = await ctx.http.request({ url: openAlexUrl(ctx, workPath(id), params), kind: "metadata", accept: "application/json", signal: ctx.signal });
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw failure("OpenAlex work lookup", response.status);
  return parseJsonBody(response.text(), "OpenAlex");
}

function workPath(id: OpenAlexWorkId): string {
  if ("doi" in id) {
    const doi = normaliseDoi(id.doi);
    if (!doi) throw new RunError(`cannot look up "${id.doi}" on OpenAlex: it is not a DOI`);
    // A DOI's slashes are part of OpenAlex's path syntax (`/works/doi:10.1/x`); anything else is escaped.
    return `/works/doi:${encodeURIComponent(doi).replaceAll("%2F", "/")}`;
  }
  const openalex = normaliseOpenAlexId(id.openalex);
  if (!openalex) throw new RunError(`cannot look up "${id.openalex}" on OpenAlex: it is not an OpenAlex work id`);
  return `/works/${openalex}`;
}

function lookupId(record: PaperRecord): OpenAlexWorkId | undefined {
  if (record.ids.openalex) return { openalex: record.ids.openalex };
  if (record.ids.doi) return { doi: record.ids.doi };
  return undefined;
}

/** The API key is added by the HTTP client; the contact address is ours to send. */
function openAlexUrl(ctx: SourceContext, path: string, params: Record<string, string>): string {
  const url = new URL(`${ctx.endpoints.openalex}${path}`);
  url.search = new URLSearchParams({ ...params, ...(ctx.email ? { mailto: ctx.email } : {}) }).toString();
  return url.toString();
}

function failure(what: string, status: number): RunError {
  const hint = status === 401 || status === 403 ? " (check OPENALEX_API_KEY)" : "";
  return new RunError(`${what} failed: HTTP ${status}${hint}`);
}

function toRecords(ctx: SourceContext, results: unknown[], foundBy: FoundBy): PaperRecord[] {
  const records: PaperRecord[] = [];
  for (const raw of results) {
    const work = workSchema.safeParse(raw);
    if (work.success) records.push(toRecord(work.data, foundBy));
    else ctx.logger.debug(`skipped a malformed OpenAlex work: ${work.error.issues[0]?.message ?? ""}`);
  }
  return records;
}

function toRecord(work: Work, foundBy: FoundBy): PaperRecord {
  const doi = work.doi ?? undefined;
  const ids = cleanIds({
    doi,
    pmid: lastPathSegment(work.ids?.pmid),
    pmcid: lastPathSegment(work.ids?.pmcid),
    arxiv: arxivIdFromDoi(doi),
    openalex: work.id,
  });
  const year = work.publication_year ?? undefined;
  const journal = work.primary_location?.source?.display_name ?? undefined;
  const abstract = abstractFromInvertedIndex(work.abstract_inverted_index);
  const url = paperUrl(ids);
  return {
    id: recordIdFor(ids),
    ids,
    // Titles carry inline markup such as <i>E. coli</i>.
    title: normaliseWhitespace((work.display_name ?? work.title ?? "").replace(/<[^>]+>/g, "")),
    authors: (work.authorships ?? []).flatMap(toAuthor),
    ...(year !== undefined ? { year } : {}),
    ...(journal ? { journal } : {}),
    ...(abstract ? { abstract } : {}),
    ...(typeof work.open_access?.is_oa === "boolean" ? { openAccess: work.open_access.is_oa } : {}),
    ...(typeof work.is_retracted === "boolean" ? { retracted: work.is_retracted } : {}),
    ...(typeof work.cited_by_count === "number" ? { citationCount: work.cited_by_count } : {}),
    foundBy: [foundBy],
    ...(url ? { url } : {}),
  };
}

function toAuthor(authorship: NonNullable<Work["authorships"]>[number]): Author[] {
  const name = authorship.author?.display_name;
  const author = name ? parseAuthorName(name) : undefined;
  return author ? [author] : [];
}

/** `40120586` from `https://pubmed.ncbi.nlm.nih.gov/40120586` (OpenAlex gives PMIDs and PMCIDs as URLs). */
function lastPathSegment(value: string | null | undefined): string | undefined {
  return value?.replace(/\/+$/, "").split("/").at(-1);
}

/** arXiv's DataCite DOIs (`10.48550/arXiv.2304.05376`) name the preprint, so they give its arXiv id. */
function arxivIdFromDoi(doi: string | undefined): string | undefined {
  return doi ? /10\.48550\/arxiv\.(.+)$/i.exec(doi)?.[1] : undefined;
}

