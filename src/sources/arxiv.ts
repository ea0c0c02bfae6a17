// arXiv API: search and look-up by id (Atom feeds), and the PDF address the full-text chain reads.
// arXiv's one-request-every-3-seconds rule is kept by the HTTP client (sourceHttpPolicy), not here.
// Every feed is validated at this boundary; a malformed entry is skipped, a malformed feed is a RunError.
import { z } from "zod";
import { RunError } from "../errors.js";
import { cleanIds, normaliseArxivId, parseAuthorName, parseYear, recordIdFor } from "../fulltext/paper.js";
import { childElements, firstChild, flattenText, parseXml, type XmlElement } from "../fulltext/xml.js";
import type { Author, FoundBy, PaperRecord } from "../types.js";
import type { SourceContext, SourceSearchResult } from "./context.js";

const MAX_PAGE_SIZE = 100;
/** Ids per `id_list` request: keeps the URL short. */
const MAX_IDS_PER_REQUEST = 100;

const OPERATORS = new Set(["AND", "OR", "ANDNOT"]);
const FIELD_PREFIX = /(?:^|[\s(])(?:ti|au|abs|co|jr|cat|rn|id|all|submittedDate|lastUpdatedDate):/;
const ERROR_ENTRY_ID = /^https?:\/\/arxiv\.org\/api\/errors/;

const entrySchema = z.object({
  id: z.string().min(1),
  title: z.string(),
  summary: z.string().optional(),
  published: z.string().optional(),
  authors: z.array(z.string()),
  doi: z.string().optional(),
  journalRef: z.string().optional(),
});

type Entry = z.infer<typeof entrySchema>;

const feedSchema = z.object({
  totalResults: z.string().regex(/^\d+$/).transform(Number),
  entries: z.array(z.unknown()),
});

type Feed = z.infer<typeof feedSchema>;

/**
 * The query in arXiv's syntax. A query that already names a field (`ti:spin AND au:smith`) is kept;
 * plain words and "quoted phrases" each search all fields and are joined with AND, unless AND, OR or
 * ANDNOT stands between them. Parentheses are kept.
 */
export function toArxivQuery(query: string): string {
  if (FIELD_PREFIX.test(query)) return query.trim();
  const parts: string[] = [];
  const endsOperand = () => {
    const last = parts.at(-1);
    return last !== undefined && last !== "(" && !OPERATORS.has(last);
  };
  for (const token of query.match(/"[^"]+"|[()]|[^\s()"]+/g) ?? []) {
    if (OPERATORS.has(token)) {
      // An operator needs something on its left; a leading or doubled one is dropped.
      if (endsOperand()) parts.push(token);
      continue;
    }
    if (token !== ")" && endsOperand()) parts.push("AND");
    parts.push(token === "(" || token === ")" ? token : `all:${token}`);
  }
  if (OPERATORS.has(parts.at(-1) ?? "")) parts.pop();
  return parts.join(" ");
}

/** Search arXiv, paging by `start` until `limit` records or the end. `query` may be plain words (see toArxivQuery). */
export async function searchArxiv(ctx: SourceContext, query: string, limit: number): Promise<SourceSearchResult> {
  const sent = toArxivQuery(query);
  if (sent === "") throw new RunError("an arXiv search needs at least one search term");
  const records: PaperRecord[] = [];
  let start = 0;
  let hitCount = 0;
  while (records.length < limit) {
    const pageSize = Math.min(limit - records.length, MAX_PAGE_SIZE);
    const feed = await fetchFeed(ctx, { search_query: sent, start: String(start), max_results: String(pageSize) }, "search");
    hitCount = feed.totalResults;
    records.push(...toRecords(ctx, feed.entries, { source: "arxiv", query: sent }));
    // arXiv may return fewer entries than asked for; the next page starts after what actually came.
    start += feed.entries.length;
    if (feed.entries.length === 0 || start >= hitCount) break;
  }
  return { source: "arxiv", query: sent, hitCount, records: records.slice(0, limit) };
}

/** Records for arXiv ids (`1605.08386`, `astro-ph/0601001`, `arXiv:…`, arxiv.org URLs); unknown ids are simply absent. */
export async function fetchArxivRecords(ctx: SourceContext, ids: string[]): Promise<PaperRecord[]> {
  const wanted = new Set<string>();
  for (const raw of ids) {
    const id = normaliseArxivId(raw);
    // arXiv rejects a whole request for one malformed id, so it is left out here.
    if (id) wanted.add(id);
    else ctx.logger.warn(`skipped "${raw}": not an arXiv id`);
  }
  const batches = [...wanted];
  const records: PaperRecord[] = [];
  for (let start = 0; start < batches.length; start += MAX_IDS_PER_REQUEST) {
    const batch = batches.slice(start, start + MAX_IDS_PER_REQUEST);
    const feed = await fetchFeed(ctx, { id_list: batch.join(","), max_results: String(batch.length) }, "lookup");
    records.push(...toRecords(ctx, feed.entries, { source: "arxiv" }));
  }
  return records;
}

/** Where the paper's PDF is (latest version). */
export function arxivPdfUrl(ctx: SourceContext, arxivId: string): string {
  const id = normaliseArxivId(arxivId);
  if (!id) throw new RunError(`"${arxivId}" is not an arXiv id`);
  return `${ctx.endpoints.arxivPdf}/${id}`;
}

async function fetchFeed(ctx: SourceContext, params: Record<string, string>, what: "search" | "lookup"): Promise<Feed> {
  const url = new URL(`${ctx.endpoints.arxiv}/query`);
  url.search = new URLSearchParams(params).toString();
  const response = await ctx.http.request({
    url: url.toString(),
    kind: what === "search" ? "search" : "metadata",
    accept: "application/atom+xml",
    signal: ctx.signal,
  });
  if (response.status === 200) return readFeed(response.text(), what);
  // A rejected query comes back as HTTP 400 with an error feed that says why.
  const reason = response.status === 400 ? errorEntryMessage(response.text()) : undefined;
  throw new RunError(reason ? `arXiv rejected the ${what}: ${reason}` : `arXiv ${what} failed: HTTP ${response.status}`);
}

function readFeed(xml: string, what: "search" | "lookup"): Feed {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch {
    throw new RunError("arXiv returned malformed XML");
  }
  if (root.name !== "feed") throw new RunError("arXiv returned XML that is not an Atom feed");
  const entries = childElements(root, "entry");
  const reason = errorMessageOf(entries);
  if (reason) throw new RunError(`arXiv rejected the ${what}: ${reason}`);
  const feed = feedSchema.safeParse({ totalResults: optionalText(root, "opensearch:totalResults"), entries: entries.map(rawEntry) });
  if (!feed.success) throw new RunError("arXiv returned a feed in an unexpected shape");
  return feed.data;
}

/** arXiv's message when the body is an error feed; undefined for anything else. */
function errorEntryMessage(xml: string): string | undefined {
  try {
    return errorMessageOf(childElements(parseXml(xml), "entry"));
  } catch {
    return undefined;
  }
}

function errorMessageOf(entries: XmlElement[]): string | undefined {
  const [only] = entries;
  if (entries.length !== 1 || !ERROR_ENTRY_ID.test(optionalText(only, "id") ?? "")) return undefined;
  return optionalText(only, "summary") || optionalText(only, "title") || "unknown error";
}

function rawEntry(entry: XmlElement): Record<string, unknown> {
  return {
    id: optionalText(entry, "id"),
    title: optionalText(entry, "title"),
    summary: optionalText(entry, "summary"),
    published: optionalText(entry, "published"),
    authors: childElements(entry, "author")
      .map((author) => flattenText(firstChild(author, "name")))
      .filter((name) => name !== ""),
    doi: optionalText(entry, "arxiv:doi"),
    journalRef: optionalText(entry, "arxiv:journal_ref"),
  };
}

/** The whitespace-normalised text of the first child so named; undefined when there is none. */
function optionalText(element: XmlElement | undefined, name: string): string | undefined {
  const child = firstChild(element, name);
  return child ? flattenText(child) : undefined;
}

function toRecords(ctx: SourceContext, entries: unknown[], foundBy: FoundBy): PaperRecord[] {
  const records: PaperRecord[] = [];
  for (const raw of entries) {
    const entry = entrySchema.safeParse(raw);
    const record = entry.success ? toRecord(entry.data, foundBy) : undefined;
    if (record) records.push(record);
    else ctx.logger.debug(`skipped a malformed arXiv entry: ${entry.error?.issues[0]?.message ?? "no arXiv id in <id>"}`);
  }
  return records;
}

function toRecord(entry: Entry, foundBy: FoundBy): PaperRecord | undefined {
  const arxiv = normaliseArxivId(entry.id);
  if (!arxiv) return undefined;
  // `arxiv:doi` occasionally lists several DOIs; the first is the article's.
  const ids = cleanIds({ arxiv, doi: entry.doi?.split(" ")[0] });
  const year = parseYear(entry.published);
  return {
    id: recordIdFor(ids),
    ids,
    title: entry.title,
    authors: entry.authors.flatMap((name): Author[] => {
      const author = parseAuthorName(name);
      return author ? [author] : [];
    }),
    ...(year !== undefined ? { year } : {}),
    ...(entry.journalRef ? { journal: entry.journalRef } : {}),
    ...(entry.summary ? { abstract: entry.summary } : {}),
    openAccess: true,
    foundBy: [foundBy],
    url: `https://arxiv.org/abs/${arxiv}`,
  };
}
