// Find and read the papers for a question. A Collection accumulates, over one or more rounds of
// searching: the local library, every record the sources returned (merged by identity), and the
// papers read so far (full text, abstract or nothing, with the reason). Sources that fail are
// reported and skipped; the run fails only when nothing at all could be searched.
import pLimit from "p-limit";
import { SOURCE_LABELS, type Config, type SearchSource } from "../config.js";
import { errorMessage, RunError } from "../errors.js";
import { buildIndex } from "../index/bm25.js";
import type { SourceContext } from "../sources/context.js";
import { abstractDocument, fetchFullText, type FullTextAttempt } from "../sources/full-text.js";
import { loadLibrary, type LibraryLoadResult } from "../sources/library.js";
import { identityKeys, mergeRecords } from "../sources/merge.js";
import { searchSource } from "../sources/search.js";
import type { LoadedPaper, PaperRecord } from "../types.js";
import { questionTerms, renderKeywordQuery } from "./keyword-plan.js";

/** One query sent to one source, and what came of it. */
export interface SearchLog {
  source: SearchSource;
  query: string;
  hits: number;
  returned: number;
  error?: string;
}

export interface SourceQuery {
  source: SearchSource;
  query: string;
}

export interface GatherCounts {
  /** Records returned by all searches (and library papers), before duplicates were merged. */
  found: number;
  /** Distinct papers after merging. */
  unique: number;
  /** Papers whose full text was sought (the screened-in candidates without a local copy). */
  fullTextSought: number;
  fullText: number;
  abstractOnly: number;
  unavailable: number;
}

/** Everything gathered so far. Plain data, grown by the functions below. */
export interface Collection {
  library?: LibraryLoadResult;
  /** Every record the sources returned, in order of arrival (duplicates included). */
  remoteRecords: PaperRecord[];
  searches: SearchLog[];
  /** Papers read, by the id they were read under (stable for the rest of the run). */
  papers: Map<string, LoadedPaper>;
  fullTextAttempts: Map<string, FullTextAttempt[]>;
  fullTextSought: number;
}

/** Full-text fetches in flight at once; each host's own limit still applies underneath. */
const FULL_TEXT_CONCURRENCY = 6;

/** The sources `ask` searches: the configured list, else Europe PMC and PubMed, plus OpenAlex when its key is set. */
export function activeSources(config: Config, sources: SourceContext): SearchSource[] {
  if (config.sources) return config.sources;
  return sources.keys.openAlex ? ["europepmc", "pubmed", "openalex"] : ["europepmc", "pubmed"];
}

export async function startCollection(config: Config, sources: SourceContext): Promise<Collection> {
  const collection: Collection = { remoteRecords: [], searches: [], papers: new Map(), fullTextAttempts: new Map(), fullTextSought: 0 };
  if (config.library.length === 0) return collection;
  const library = await loadLibrary(config.library, sources.logger);
  sources.logger.info(`loaded ${library.papers.length} paper(s) from ${config.library.join(", ")}`);
  collection.library = library;
  for (const paper of library.papers) collection.papers.set(paper.record.id, paper);
  return collection;
}

/** Run the queries (in parallel; each host's rate limit applies) and add what they find. */
export async function searchInto(collection: Collection, queries: readonly SourceQuery[], limit: number, sources: SourceContext): Promise<SearchLog[]> {
  const outcomes = await Promise.all(
    queries.map(async ({ source, query }) => {
      try {
        const result = await searchSource(sources, source, query, limit);
        sources.logger.debug(`${SOURCE_LABELS[source]}: ${result.hitCount} hit(s) for ${query}`);
        return { log: { source, query, hits: result.hitCount, returned: result.records.length }, records: result.records };
      } catch (error) {
        sources.signal?.throwIfAborted();
        return { log: { source, query, hits: 0, returned: 0, error: errorMessage(error) }, records: [] };
      }
    }),
  );
  const logs: SearchLog[] = outcomes.map((outcome) => outcome.log);
  collection.searches.push(...logs);
  for (const outcome of outcomes) collection.remoteRecords.push(...outcome.records);
  return logs;
}

/** Fail the run when every search failed and there is nothing else to read; warn about each failed source otherwise. */
export function reportFailedSearches(collection: Collection, logs: readonly SearchLog[], config: Config, logger: SourceContext["logger"]): void {
  const failed = logs.filter((log) => log.error !== undefined);
  if (logs.length > 0 && failed.length === logs.length && collection.papers.size === 0) {
    throw new RunError(noSourceMessage(failed, config.offline));
  }
  for (const log of failed) logger.warn(`${SOURCE_LABELS[log.source]} search failed, going on without it: ${log.error ?? ""}`);
}

/** Distinct papers found and not read yet, merged across sources; a record that joins a paper already read is not new. */
export function unreadCandidates(collection: Collection): PaperRecord[] {
  const readKeys = new Set([...collection.papers.values()].flatMap((paper) => identityKeys(paper.record)));
  return mergeRecords(collection.remoteRecords).filter((record) => !identityKeys(record).some((key) => readKeys.has(key)));
}

/**
 * Read the candidates: the first `fullTextCount` (best first) from their open-access full text where
 * it exists, the rest from their abstracts without asking anything.
 */
export async function readInto(collection: Collection, candidates: readonly PaperRecord[], fullTextCount: number, sources: SourceContext): Promise<LoadedPaper[]> {
  const toFetch = candidates.slice(0, fullTextCount);
  const limit = pLimit(FULL_TEXT_CONCURRENCY);
  const fetched = await Promise.all(
    toFetch.map((record) =>
      limit(async () => {
        const result = await fetchFullText(sources, record);
        collection.fullTextAttempts.set(record.id, result.attempts);
        return result.paper;
      }),
    ),
  );
  const fromAbstract = candidates.slice(fullTextCount).map((record): LoadedPaper => ({
    record,
    document: { ...abstractDocument(record, []), accessReason: "full text not sought (not among the best candidates)" },
  }));
  collection.fullTextSought += toFetch.length;
  const read = [...fetched, ...fromAbstract];
  for (const paper of read) collection.papers.set(paper.record.id, paper);
  return read;
}

/** The title of every paper read, by paper id. */
export function paperTitles(collection: Collection): Map<string, string> {
  return new Map([...collection.papers].map(([id, paper]) => [id, paper.record.title]));
}

/** Every record found: the library's papers and what the searches returned, duplicates included. */
export function foundRecords(collection: Collection): PaperRecord[] {
  return [...(collection.library?.papers.map((paper) => paper.record) ?? []), ...collection.remoteRecords];
}

export function gatherCounts(collection: Collection): GatherCounts {
  const papers = [...collection.papers.values()];
  const access = (value: string) => papers.filter((paper) => paper.document.access === value).length;
  return {
    found: (collection.library?.papers.length ?? 0) + collection.remoteRecords.length,
    unique: papers.length,
    fullTextSought: collection.fullTextSought,
    fullText: access("fulltext"),
    abstractOnly: access("abstract-only"),
    unavailable: access("unavailable"),
  };
}

/**
 * The search without a language model: the question's content words as a strict query per source,
 * and a broad one where the strict query found fewer than half the limit; then the best
 * `fetchLimit` candidates read in full, the rest from their abstracts.
 */
export async function gatherByKeywords(question: string, config: Config, sources: SourceContext): Promise<Collection> {
  const collection = await startCollection(config, sources);
  const names = activeSources(config, sources);
  const terms = questionTerms(question);
  const logs: SearchLog[] = [];
  if (terms.length > 0) {
    const strict = await searchInto(collection, names.map((source) => ({ source, query: renderKeywordQuery(source, terms, "all") })), config.searchLimit, sources);
    logs.push(...strict);
    const broad = strict.filter((log) => log.error === undefined && terms.length > 1 && log.returned < config.searchLimit / 2);
    logs.push(...(await searchInto(collection, broad.map(({ source }) => ({ source, query: renderKeywordQuery(source, terms, "any") })), config.searchLimit, sources)));
  }
  reportFailedSearches(collection, logs, config, sources.logger);
  const candidates = screenRecords(question, unreadCandidates(collection)).slice(0, config.maxPapers ?? Number.POSITIVE_INFINITY);
  if (candidates.length > 0) {
    sources.logger.info(`found ${candidates.length} paper(s) online; reading the best ${Math.min(config.fetchLimit, candidates.length)} in full where open access allows`);
  }
  await readInto(collection, candidates, config.fetchLimit, sources);
  return collection;
}

function noSourceMessage(failed: SearchLog[], offline: boolean): string {
  if (offline) return "offline, and the cache holds no search for this question: run it once online first, or use --library PATH";
  const reasons = [...new Set(failed.map((log) => `${SOURCE_LABELS[log.source]}: ${log.error ?? "failed"}`))].join("; ");
  return `could not search any source (${reasons}); check the network, or work from local papers with --library PATH or from the cache with --offline`;
}

/** Candidates in order of how well title and abstract match the query text; unmatched ones keep source order after. */
export function screenRecords(query: string, records: PaperRecord[]): PaperRecord[] {
  if (records.length === 0) return [];
  const index = buildIndex(records.map((record) => ({ id: record.id, fields: { title: record.title, text: record.abstract ?? "" } })));
  const hits = index.search(query, records.length);
  const byId = new Map(records.map((record) => [record.id, record]));
  const ranked = hits.flatMap((hit) => byId.get(hit.id) ?? []);
  const matched = new Set(hits.map((hit) => hit.id));
  return [...ranked, ...records.filter((record) => !matched.has(record.id))];
}
