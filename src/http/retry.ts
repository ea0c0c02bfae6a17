// When to try a request again and how long to wait first (docs/scholarly-apis.md, "Being a good citizen").

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** Wait before the second attempt; doubles each time. */
  baseDelayMs: number;
  /** Cap on the exponential wait. */
  maxDelayMs: number;
  /** Longest Retry-After we are willing to honour; a server asking for more gets an error instead. */
  maxRetryAfterMs: number;
  /** Source of jitter in [0, 1); injected so tests are deterministic. */
  random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 120_000,
  random: Math.random,
};

/** Rate limiting and transient server trouble. Other statuses (400, 403, 404, 501…) are final answers. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** Network failures worth another try: resets, refusals, timeouts and sockets closed mid-response. */
const RETRYABLE_ERROR_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
]);

export function isRetryableErrorCode(code: string | undefined): boolean {
  return code !== undefined && RETRYABLE_ERROR_CODES.has(code);
}

/**
 * Capped exponential backoff with "equal jitter": half the delay is fixed, half random, so clients
 * that failed together do not retry together. `retry` is 1 for the wait before the second attempt.
 */
export function backoffDelayMs(retry: number, policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs" | "random">): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(exponential / 2 + (policy.random() * exponential) / 2);
}

/**
 * The wait a Retry-After header asks for, in milliseconds: either delta-seconds or an HTTP date.
 * Undefined when the header is absent or unreadable (the caller then uses its own backoff).
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP date format starts with a day name; Date.parse alone accepts almost anything.
  const date = /^[A-Za-z]{3}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
