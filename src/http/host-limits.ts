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

/**
 * The limit for a URL's host: the table's entry for `host:port`, else for the hostname, else the fallback.
 * The HTTP layer knows no APIs; each API's policy comes from the sources (src/sources/context.ts).
 */
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
