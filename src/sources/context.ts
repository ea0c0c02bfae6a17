// What every source needs to reach its API: the shared HTTP client, the configured base URLs, the
// contact address and keys. Base URLs are configurable (mirrors, proxies, tests), so each API's
// rate limit and key placement follow the configured host, not only the public one.
import type { Config } from "../config.js";
import type { ApiKey, HostLimit, HttpClient } from "../http/client.js";
import { RunError } from "../errors.js";
import type { Logger } from "../log.js";
import type { PaperRecord, SourceName } from "../types.js";

export interface SourceEndpoints {
  europepmc: string;
  ncbi: string;
  openalex: string;
  arxiv: string;
  arxivPdf: string;
  unpaywall: string;
}

/** Secrets come from the environment only, never from config files or flags (they would end up in shell history). */
export interface SourceKeys {
  ncbi?: string;
  openAlex?: string;
}

export interface SourceContext {
  http: HttpClient;
  logger: Logger;
  endpoints: SourceEndpoints;
  /** Contact address sent as `email`/`mailto`/`tool` parameters where an API asks for one. */
  email?: string;
  keys: SourceKeys;
  signal?: AbortSignal;
}

export function endpointsFromConfig(config: Config): SourceEndpoints {
  return {
    europepmc: config.europepmcUrl,
    ncbi: config.ncbiUrl,
    openalex: config.openalexUrl,
    arxiv: config.arxivUrl,
    arxivPdf: config.arxivPdfUrl,
    unpaywall: config.unpaywallUrl,
  };
}

export function keysFromEnvironment(env: NodeJS.ProcessEnv): SourceKeys {
  const ncbi = env.NCBI_API_KEY?.trim();
  const openAlex = env.OPENALEX_API_KEY?.trim();
  return { ...(ncbi ? { ncbi } : {}), ...(openAlex ? { openAlex } : {}) };
}

const perSecond = (requests: number, maxConcurrent = 4): HostLimit => ({ minIntervalMs: Math.ceil(1000 / requests), maxConcurrent });

/** Each API's documented policy (docs/scholarly-apis.md), applied to whatever host it is configured at. */
function apiLimits(keys: SourceKeys): Record<keyof SourceEndpoints, HostLimit> {
  return {
    europepmc: perSecond(5),
    // NCBI: 3 requests a second, 10 with an API key.
    ncbi: keys.ncbi ? perSecond(10) : perSecond(3),
    openalex: perSecond(10),
    // arXiv asks for one request every three seconds over a single connection, for the API and the PDFs alike.
    arxiv: { minIntervalMs: 3000, maxConcurrent: 1 },
    arxivPdf: { minIntervalMs: 3000, maxConcurrent: 1 },
    unpaywall: perSecond(10),
  };
}

/** Rate limits and API keys for the configured hosts, to build the process's one HTTP client with. */
export function sourceHttpPolicy(endpoints: SourceEndpoints, keys: SourceKeys): { hostLimits: Record<string, HostLimit>; apiKeys: ApiKey[] } {
  const limits = apiLimits(keys);
  const hostLimits: Record<string, HostLimit> = {};
  for (const name of Object.keys(endpoints) as (keyof SourceEndpoints)[]) {
    const host = new URL(endpoints[name]).host;
    // Two APIs behind one host (a proxy, a test server) share the stricter limit.
    const existing = hostLimits[host];
    const limit = limits[name];
    hostLimits[host] = existing ? stricter(existing, limit) : limit;
  }
  const apiKeys: ApiKey[] = [];
  if (keys.ncbi) apiKeys.push({ host: new URL(endpoints.ncbi).host, queryParam: "api_key", value: keys.ncbi });
  if (keys.openAlex) apiKeys.push({ host: new URL(endpoints.openalex).host, queryParam: "api_key", value: keys.openAlex });
  return { hostLimits, apiKeys };
}

function stricter(a: HostLimit, b: HostLimit): HostLimit {
  return { minIntervalMs: Math.max(a.minIntervalMs, b.minIntervalMs), maxConcurrent: Math.min(a.maxConcurrent, b.maxConcurrent) };
}

/** One query's results from one source. */
export interface SourceSearchResult {
  source: SourceName;
  /** The query as sent, in the source's own syntax. */
  query: string;
  /** How many records the source says match (may exceed `records.length`). */
  hitCount: number;
  records: PaperRecord[];
}

/**
 * The source answered, and it has no (open-access, machine-readable) full text for this paper: a
 * 404, a front-matter-only article, a closed-access DOI. The full-text chain moves on to the next
 * source; other errors (network, malformed responses) also move it on but are reported as failures.
 */
export class NoFullTextError extends RunError {}

/** A response body as JSON; malformed JSON is a RunError naming the API (e.g. "Europe PMC returned malformed JSON"). */
export function parseJsonBody(text: string, api: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RunError(`${api} returned malformed JSON`);
  }
}
