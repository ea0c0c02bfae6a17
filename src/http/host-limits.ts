// Per-host pacing. One HostLimiter belongs to one HTTP client, and the client is shared by the whole
// process, so every request to a host (from any question, any stage) waits its turn in the same queue.
import pLimit, { type LimitFunction } from "p-limit";
import pThrottle from "p-throttle";

export interface HostLimit {
  /** Minimum time between the starts of two requests to the host. */
  minIntervalMs: number;
  /** Requests to the host allowed in flight at once. */
  maxConcurrent: number;
}

/** Hosts not in the table: about one request a second, two at a time. */
export const UNKNOWN_HOST_LIMIT: HostLimit = { minIntervalMs: 1000, maxConcurrent: 2 };

const NCBI_HOST = "eutils.ncbi.nlm.nih.gov";

const perSecond = (requests: number, maxConcurrent = 4): HostLimit => ({
  minIntervalMs: Math.ceil(1000 / requests),
  maxConcurrent,
});

/**
 * Published (or politely assumed) limits, from docs/scholarly-apis.md. Rates are enforced as even
 * spacing rather than bursts, which stays inside every "N per second" limit.
 */
export const DEFAULT_HOST_LIMITS: Readonly<Record<string, HostLimit>> = {
  "www.ebi.ac.uk": perSecond(5),
  [NCBI_HOST]: perSecond(3),
  "api.openalex.org": perSecond(10),
  // arXiv asks for one request every three seconds over a single connection.
  "export.arxiv.org": { minIntervalMs: 3000, maxConcurrent: 1 },
  "api.unpaywall.org": perSecond(10),
  "api.crossref.org": perSecond(1, 2),
  "api.semanticscholar.org": perSecond(1, 2),
};

/**
 * The table a client uses: the defaults, NCBI's higher limit when its requests carry a key (10
 * requests a second instead of 3), then the caller's overrides by `host:port` or hostname.
 */
export function hostLimitTable(
  overrides: Readonly<Record<string, HostLimit>>,
  hostsWithKeys: readonly string[],
): Record<string, HostLimit> {
  const table: Record<string, HostLimit> = { ...DEFAULT_HOST_LIMITS };
  if (hostsWithKeys.includes(NCBI_HOST)) table[NCBI_HOST] = perSecond(10);
  return { ...table, ...overrides };
}

/** The limit for a URL's host: the table's entry for `host:port`, else for the hostname, else the fallback. */
export function hostLimitFor(
  url: URL,
  table: Readonly<Record<string, HostLimit>>,
  fallback: HostLimit = UNKNOWN_HOST_LIMIT,
): HostLimit {
  return table[url.host] ?? table[url.hostname] ?? fallback;
}

type Task = () => Promise<unknown>;

/** Spacing and concurrency per host, from p-throttle (spacing) and p-limit (connections). */
export class HostLimiter {
  readonly #limits: Readonly<Record<string, HostLimit>>;
  readonly #fallback: HostLimit;
  readonly #queues = new Map<string, { concurrency: LimitFunction; run: (task: Task) => Promise<unknown> }>();
  readonly #closing = new AbortController();

  constructor(limits: Readonly<Record<string, HostLimit>>, fallback: HostLimit = UNKNOWN_HOST_LIMIT) {
    for (const [host, limit] of [...Object.entries(limits), ["(unknown hosts)", fallback] as const]) {
      if (!(Number.isFinite(limit.minIntervalMs) && limit.minIntervalMs >= 0)) {
        throw new RangeError(`rate limit for ${host}: minIntervalMs must be a non-negative number`);
      }
      if (!(Number.isInteger(limit.maxConcurrent) && limit.maxConcurrent >= 1)) {
        throw new RangeError(`rate limit for ${host}: maxConcurrent must be a whole number of at least 1`);
      }
    }
    this.#limits = limits;
    this.#fallback = fallback;
  }

  /** Run the task when the host's spacing and concurrency allow; the task holds its slot until it settles. */
  async schedule<T>(url: URL, task: () => Promise<T>): Promise<T> {
    const queue = this.#queueFor(url);
    // One queue serves tasks of every result type, so the result comes back as unknown.
    return (await queue.concurrency(() => queue.run(task))) as T;
  }

  /** Reject everything still waiting for its turn. */
  close(): void {
    this.#closing.abort(new Error("HTTP client closed"));
  }

  #queueFor(url: URL) {
    const key = url.host;
    let queue = this.#queues.get(key);
    if (!queue) {
      const limit = hostLimitFor(url, this.#limits, this.#fallback);
      const throttle = pThrottle({ limit: 1, interval: limit.minIntervalMs, signal: this.#closing.signal });
      const run = throttle((task: Task) => {
        // A task admitted by p-limit after close() must not start a request.
        this.#closing.signal.throwIfAborted();
        return task();
      });
      queue = { concurrency: pLimit(limit.maxConcurrent), run };
      this.#queues.set(key, queue);
    }
    return queue;
  }
}
