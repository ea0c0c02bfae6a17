// Find and read the papers for a question: search every configured source (and the local
// library), merge what they return, screen the candidates by title and abstract, and read the
// best ones in full. Sources that fail are reported and skipped; the run fails only when nothing
// at all could be searched.
import pLimit from "p-limit";
import { SOURCE_LABELS, type Config, type SearchSource } from "../config.js";
import { errorMessage, RunError } from "../errors.js";
import { buildIndex } from "../index/bm25.js";
import type { SourceContext, SourceSearchResult } from "../sources/context.js";
import { abstractDocument, fetchFullText, type FullTextAttempt } from "../sources/full-text.js";
import { loadLibrary, type LibraryLoadResult } from "../sources/library.js";
import { mergeRecords } from "../sources/merge.js";
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

export interface GatherResult {
  papers: LoadedPaper[];
  library?: LibraryLoadResult;
  searches: SearchLog[];
  counts: GatherCounts;
  /** How each sought paper's full text was (or was not) obtained, by paper id. */
  fullTextAttempts: Map<string, FullTextAttempt[]>;
}

/** Full-text fetches in flight at once; each host's own limit still applies underneath. */
const FULL_TEXT_CONCURRENCY = 6;

/** The sources `ask` searches: the configured list, else Europe PMC and PubMed, plus OpenAlex when its key is set. */
export function activeSources(config: Config, sources: SourceContext): SearchSource[] {
  if (config.sources) return config.sources;
  return sources.keys.openAlex ? ["europepmc", "pubmed", "openalex"] : ["europepmc", "pubmed"];
}

export async function gatherPapers(question: string, config: Config, sources: SourceContext): Promise<GatherResult> {
  const { logger } = sources;
  const library = config.library.length > 0 ? await loadLibrary(config.library, logger) : undefined;
  if (library) logger.info(`loaded ${library.papers.length} paper(s) from ${config.library.join(", ")}`);

  const names = activeSources(config, sources);
  const searches = await searchAll(question, names, config.searchLimit, sources);
  const remoteRecords = searches.flatMap((search) => search.records);
  const logs = searches.map(({ records: _records, ...log }) => log);
  const failed = logs.filter((log) => log.error !== undefined);
  if (logs.length > 0 && failed.length === logs.length && !library?.papers.length) {
    throw new RunError(noSourceMessage(failed, config.offline));
  }
  for (const log of failed) logger.warn(`${SOURCE_LABELS[log.source]} search failed, going on without it: ${log.error ?? ""}`);

  const localPapers = library?.papers ?? [];
  const merged = mergeRecords([...localPapers.map((paper) => paper.record), ...remoteRecords]);
  const localDocuments = localDocumentsByRecord(localPapers, merged);
  const remote = merged.filter((record) => !localDocuments.has(record.id));
  const screened = screenRecords(question, remote);
  const toFetch = screened.slice(0, config.fetchLimit);
  const notFetched = screened.slice(config.fetchLimit);
  if (remote.length > 0) {
    logger.info(`found ${remote.length} paper(s) online; reading the best ${toFetch.length} in full where open access allows`);
  }

  const limit = pLimit(FULL_TEXT_CONCURRENCY);
  const fullTextAttempts = new Map<string, FullTextAttempt[]>();
  const fetched = await Promise.all(
    toFetch.map((record) =>
      limit(async () => {
        const result = await fetchFullText(sources, record);
        fullTextAttempts.set(record.id, result.attempts);
        return result.paper;
      }),
    ),
  );
  const skipped = notFetched.map((record): LoadedPaper => ({
    record,
    document: { ...abstractDocument(record, []), accessReason: `full text not sought (ranked below the top ${config.fetchLimit} candidates)` },
  }));
  const local = merged.flatMap((record) => {
    const document = localDocuments.get(record.id);
    return document ? [{ record, document: { ...document, paperId: record.id } }] : [];
  });
  const papers = [...local, ...fetched, ...skipped];
  const access = (value: string) => papers.filter((paper) => paper.document.access === value).length;
  return {
    papers,
    ...(library ? { library } : {}),
    searches: logs,
    counts: {
      found: localPapers.length + remoteRecords.length,
      unique: merged.length,
      fullTextSought: toFetch.length,
      fullText: access("fulltext"),
      abstractOnly: access("abstract-only"),
      unavailable: access("unavailable"),
    },
    fullTextAttempts,
  };
}

type SearchOutcome = SearchLog & { records: PaperRecord[] };

/** A strict query per source, and a broad one where the strict query found fewer than half the limit. */
async function searchAll(question: string, names: SearchSource[], limit: number, sources: SourceContext): Promise<SearchOutcome[]> {
  const terms = questionTerms(question);
  if (terms.length === 0 || names.length === 0) return [];
  const runOne = async (source: SearchSource, query: string): Promise<SearchOutcome> => {
    try {
      const result: SourceSearchResult = await searchSource(sources, source, query, limit);
      sources.logger.debug(`${SOURCE_LABELS[source]}: ${result.hitCount} hit(s) for ${query}`);
      return { source, query, hits: result.hitCount, returned: result.records.length, records: result.records };
    } catch (error) {
      sources.signal?.throwIfAborted();
      return { source, query, hits: 0, returned: 0, records: [], error: errorMessage(error) };
    }
  };
  const perSource = await Promise.all(
    names.map(async (source) => {
      const strict = await runOne(source, renderKeywordQuery(source, terms, "all"));
      if (strict.error !== undefined || terms.length < 2 || strict.returned >= limit / 2) return [strict];
      return [strict, await runOne(source, renderKeywordQuery(source, terms, "any"))];
    }),
  );
  return perSource.flat();
}

function noSourceMessage(failed: SearchLog[], offline: boolean): string {
  if (offline) return "offline, and the cache holds no search for this question: run it once online first, or use --library PATH";
  const reasons = [...new Set(failed.map((log) => `${SOURCE_LABELS[log.source]}: ${log.error ?? "failed"}`))].join("; ");
  return `could not search any source (${reasons}); check the network, or work from local papers with --library PATH or from the cache with --offline`;
}

/** Library documents keyed by the merged record each library paper ended up in. */
function localDocumentsByRecord(localPapers: LoadedPaper[], merged: PaperRecord[]): Map<string, LoadedPaper["document"]> {
  const byLocalId = new Map(localPapers.map((paper) => [paper.record.ids.local, paper.document]));
  const documents = new Map<string, LoadedPaper["document"]>();
  for (const record of merged) {
    const document = record.ids.local === undefined ? undefined : byLocalId.get(record.ids.local);
    if (document) documents.set(record.id, document);
  }
  return documents;
}

/** Candidates in order of how well title and abstract match the question; unmatched ones keep source order after. */
export function screenRecords(question: string, records: PaperRecord[]): PaperRecord[] {
  if (records.length === 0) return [];
  const index = buildIndex(records.map((record) => ({ id: record.id, fields: { title: record.title, text: record.abstract ?? "" } })));
  const hits = index.search(question, records.length);
  const byId = new Map(records.map((record) => [record.id, record]));
  const ranked = hits.flatMap((hit) => byId.get(hit.id) ?? []);
  const matched = new Set(hits.map((hit) => hit.id));
  return [...ranked, ...records.filter((record) => !matched.has(record.id))];
}
