// The one HTTP client of a process: polite (per-host pacing, User-Agent with a contact address,
// backoff that honours Retry-After, no retries on final answers), bounded (timeouts, an overall
// deadline per attempt, body size caps, http(s) only) and cached on disk. API keys are added only
// when a request is sent and never appear in logs, cache files or error messages.
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { brotliDecompress, gunzip, inflate, inflateRaw } from "node:zlib";
import { Agent, type Dispatcher } from "undici";
import { RunError, UsageError } from "../errors.js";
import type { Logger } from "../log.js";
import { type CacheKind, type CacheMode, type CacheRequest, DiskCache } from "./cache.js";
import { type HostLimit, HostLimiter, UNKNOWN_HOST_LIMIT } from "./host-limits.js";
import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  isRetryableErrorCode,
  isRetryableStatus,
  parseRetryAfterMs,
  type RetryPolicy,
} from "./retry.js";
import { type ApiKey, createSecrets, type Secrets } from "./secrets.js";

export type { CacheKind, CacheMode } from "./cache.js";
export type { HostLimit } from "./host-limits.js";
export type { RetryPolicy } from "./retry.js";
export type { ApiKey } from "./secrets.js";

export interface HttpRequest {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** Decides the cache TTL and the body size cap. */
  kind: CacheKind;
  accept?: string;
  /** Cancels the request (and its retries) when aborted. */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names. From the cache, only content-type, content-disposition, etag and last-modified. */
  headers: Record<string, string>;
  body: Buffer;
  /** The body decoded with the charset of content-type (UTF-8 when none or unknown). */
  text(): string;
  fromCache: boolean;
  /** Served from cache past its TTL (offline mode only). */
  stale: boolean;
  /** The URL the response came from, after redirects, without keys or contact addresses. */
  url: string;
}

export interface HttpClient {
  /**
   * Resolves with any final response, including 4xx (a source decides what 404 means); rejects
   * with HttpError when the URL is not http(s), retries are exhausted, a timeout or size cap is
   * hit, or (offline) nothing is cached.
   */
  request(request: HttpRequest): Promise<HttpResponse>;
  /** Stop: requests waiting for their turn are rejected and open connections closed. */
  close(): Promise<void>;
}

export interface HttpTimeouts {
  connectMs: number;
  /** From sending the request to the end of the response headers. */
  headersMs: number;
  /** Longest silence while the body arrives. */
  bodyIdleMs: number;
  /** Deadline for one attempt as a whole: connect, headers and the full body (a slow drip included). */
  attemptMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 10_000, headersMs: 30_000, bodyIdleMs: 30_000, attemptMs: 120_000 };
export const DEFAULT_MAX_BODY_BYTES = 50 * 1024 * 1024;

export interface HttpClientOptions {
  /** litreview's version, for the User-Agent. */
  version: string;
  /** Contact address for the User-Agent (`mailto:`); omitted when absent. */
  email?: string;
  logger: Logger;
  /** Without it nothing is cached. */
  cache?: {
    dir: string;
    mode: CacheMode;
    ttlMs?: Partial<Record<CacheKind, number>>;
    notFoundTtlMs?: number;
  };
  apiKeys?: readonly ApiKey[];
  /** Per-host limits by `host:port` or hostname; other hosts get `unknownHostLimit`. */
  hostLimits?: Readonly<Record<string, HostLimit>>;
  unknownHostLimit?: HostLimit;
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<HttpTimeouts>;
  maxBodyBytes?: number;
  maxBodyBytesByKind?: Partial<Record<CacheKind, number>>;
  maxRedirects?: number;
  /** Clock in epoch milliseconds for cache ages and Retry-After dates; injected by tests. */
  now?: () => number;
}

export type HttpFailure =
  | "unsupported-url"
  | "timeout"
  | "too-large"
  | "bad-encoding"
  | "network"
  | "retries-exhausted"
  | "retry-after-too-long"
  | "too-many-redirects"
  | "offline-miss";

/** A request that produced no usable response. The message names the host and never holds a key. */
export class HttpError extends RunError {
  constructor(
    message: string,
    readonly failure: HttpFailure,
    /** The last status seen, when the failure was a status. */
    readonly status?: number,
  ) {
    super(message);
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NOTICEABLE_WAIT_MS = 5000;
/** Failures to reach a host at all, as opposed to a host that answered badly or slowly. */
const CONNECT_FAILURE_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);
/** More layered encodings than this is an attack (zip-bomb chains), not a real server. */
const MAX_CONTENT_ENCODINGS = 3;

export function createHttpClient(options: HttpClientOptions): HttpClient {
  return new PoliteHttpClient(options);
}

/** What one attempt produced. */
interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  url: URL;
}

class PoliteHttpClient implements HttpClient {
  readonly #logger: Logger;
  readonly #secrets: Secrets;
  readonly #userAgent: string;
  readonly #limiter: HostLimiter;
  readonly #agent: Agent;
  readonly #cache: DiskCache | undefined;
  readonly #cacheMode: CacheMode;
  readonly #retry: RetryPolicy;
  readonly #attemptTimeoutMs: number;
  readonly #maxBodyBytes: Record<CacheKind, number>;
  readonly #maxRedirects: number;
  readonly #now: () => number;
  #staleNoticeGiven = false;
  readonly #unreachableHosts = new Map<string, string>();

  constructor(options: HttpClientOptions) {
    const email = options.email?.trim() || undefined;
    if (email !== undefined && !/^[^\s@<>();]+@[^\s@<>();]+$/.test(email)) {
      throw new UsageError(`the contact email "${email}" is not an email address`);
    }
    const apiKeys = options.apiKeys ?? [];
    this.#logger = options.logger;
    this.#secrets = createSecrets(apiKeys, email);
    this.#userAgent = `litreview/${options.version} (+https://github.com/litreview${email ? `; mailto:${email}` : ""})`;
    this.#limiter = new HostLimiter(options.hostLimits ?? {}, options.unknownHostLimit ?? UNKNOWN_HOST_LIMIT);
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    if (!(Number.isInteger(this.#retry.maxAttempts) && this.#retry.maxAttempts >= 1)) {
      throw new RangeError("retry.maxAttempts must be a whole number of at least 1");
    }
    const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.#agent = new Agent({
      connect: { timeout: timeouts.connectMs },
      headersTimeout: timeouts.headersMs,
      bodyTimeout: timeouts.bodyIdleMs,
    });
    this.#attemptTimeoutMs = timeouts.attemptMs;
    const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#maxBodyBytes = { search: maxBodyBytes, metadata: maxBodyBytes, fulltext: maxBodyBytes, ...options.maxBodyBytesByKind };
    this.#maxRedirects = options.maxRedirects ?? 5;
    this.#now = options.now ?? Date.now;
    this.#cacheMode = options.cache?.mode ?? "no-cache";
    const cache = options.cache;
    this.#cache =
      cache && cache.mode !== "no-cache"
        ? new DiskCache({ dir: cache.dir, ttlMs: cache.ttlMs, notFoundTtlMs: cache.notFoundTtlMs, logger: options.logger, now: this.#now })
        : undefined;
  }

  async request(request: HttpRequest): Promise<HttpResponse> {
    const url = this.#httpUrl(request.url);
    const method = request.method ?? "GET";
    const cacheRequest: CacheRequest = {
      kind: request.kind,
      method,
      url: this.#secrets.keyFreeUrl(url),
      ...(request.accept === undefined ? {} : { accept: request.accept }),
      ...(request.body === undefined ? {} : { body: request.body }),
    };

    if (this.#cache) {
      const cached = await this.#cache.read(cacheRequest);
      const offline = this.#cacheMode === "offline";
      if (cached && (cached.fresh || offline)) {
        const stale = !cached.fresh;
        if (stale) this.#noticeStale();
        this.#logger.debug({ method, url: this.#secrets.redactUrl(url), status: cached.response.status, fromCache: true, stale }, "http");
        return toHttpResponse(cached.response, { fromCache: true, stale });
      }
      if (offline) {
        throw new HttpError(`offline: no cached response for ${this.#secrets.redactUrl(url)}`, "offline-miss");
      }
    }

    const response = await this.#fetchFollowingRedirects(url, method, request);
    const publicResponse = { ...response, url: this.#secrets.keyFreeUrl(response.url) };
    await this.#cache?.write(cacheRequest, publicResponse);
    return toHttpResponse(publicResponse, { fromCache: false, stale: false });
  }

  async close(): Promise<void> {
    this.#limiter.close();
    await this.#agent.destroy();
  }

  #httpUrl(text: string, redirectedFrom?: URL): URL {
    let url: URL;
    try {
      url = new URL(text, redirectedFrom);
    } catch {
      throw new HttpError(`not a valid URL: ${this.#secrets.redactText(text)}`, "unsupported-url");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      const where = redirectedFrom ? ` (redirected from ${this.#secrets.redactUrl(redirectedFrom)})` : "";
      throw new HttpError(
        `only http and https URLs can be fetched, not ${url.protocol.replace(/:$/, "")}: ${this.#secrets.redactUrl(url)}${where}`,
        "unsupported-url",
      );
    }
    return url;
  }

  /** Follow redirects ourselves so every hop is paced, scheme-checked and keyed for its own host. */
  async #fetchFollowingRedirects(url: URL, method: "GET" | "POST", request: HttpRequest): Promise<RawResponse> {
    let hop = { url, method, body: request.body };
    for (let redirects = 0; ; redirects += 1) {
      const response = await this.#fetchWithRetries(hop.url, hop.method, hop.body, request);
      const location = response.headers.location;
      if (!REDIRECT_STATUSES.has(response.status) || !location) return response;
      if (redirects >= this.#maxRedirects) {
        throw new HttpError(
          `${hop.url.host}: more than ${this.#maxRedirects} redirects for ${this.#secrets.redactUrl(url)}`,
          "too-many-redirects",
        );
      }
      // 303 always, and 301/302 after a POST by long-standing browser practice, continue as GET.
      const asGet = response.status === 303 || (hop.method === "POST" && response.status <= 302);
      hop = {
        url: this.#httpUrl(location, hop.url),
        method: asGet ? "GET" : hop.method,
        body: asGet ? undefined : hop.body,
      };
    }
  }

  async #fetchWithRetries(url: URL, method: "GET" | "POST", body: string | undefined, request: HttpRequest): Promise<RawResponse> {
    const target = `${method} ${this.#secrets.redactUrl(url)}`;
    const unreachable = this.#unreachableHosts.get(url.host);
    if (unreachable !== undefined) throw new HttpError(`${url.host} is unreachable (${unreachable}); not trying it again in this run`, "network");
    for (let attempt = 1; ; attempt += 1) {
      let problem: string;
      let failure: HttpFailure = "retries-exhausted";
      let status: number | undefined;
      let retryAfterMs: number | undefined;
      try {
        const response = await this.#limiter.schedule(url, () => this.#send(url, method, body, request));
        if (!isRetryableStatus(response.status)) return response;
        status = response.status;
        problem = `status ${response.status}`;
        retryAfterMs = parseRetryAfterMs(response.headers["retry-after"], this.#now());
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        if (error instanceof HttpError) throw error;
        const code = errorCode(error);
        const timedOut = error instanceof AttemptDeadlineError || (code !== undefined && TIMEOUT_CODES.has(code));
        if (!timedOut && !isRetryableErrorCode(code)) {
          this.#markUnreachable(url, code, error);
          throw new HttpError(`${target} failed: ${this.#describeError(error)}`, "network");
        }
        if (timedOut) failure = "timeout";
        problem = this.#describeError(error);
        if (attempt >= this.#retry.maxAttempts) this.#markUnreachable(url, code, error);
      }

      if (attempt >= this.#retry.maxAttempts) {
        throw new HttpError(`${target} failed after ${attempt} attempt${attempt > 1 ? "s" : ""}: ${problem}`, failure, status);
      }
      if (retryAfterMs !== undefined && retryAfterMs > this.#retry.maxRetryAfterMs) {
        throw new HttpError(
          `${url.host} asked to wait ${Math.ceil(retryAfterMs / 1000)} s before retrying (Retry-After), more than the ` +
            `${Math.ceil(this.#retry.maxRetryAfterMs / 1000)} s we wait; try again later (${target})`,
          "retry-after-too-long",
          status,
        );
      }
      const waitMs = retryAfterMs ?? backoffDelayMs(attempt, this.#retry);
      // Short waits are routine; a wait the user will notice is worth a warning.
      const level = waitMs >= NOTICEABLE_WAIT_MS ? "warn" : "debug";
      this.#logger[level]({ host: url.host, problem, attempt, waitMs }, "http: retrying");
      await sleep(waitMs, undefined, request.signal ? { signal: request.signal } : undefined);
    }
  }

  /**
   * A host that cannot be connected to at all (no route, no DNS, connection refused) after the
   * retries fails every later request at once, so a run without network ends in seconds, not minutes.
   */
  #markUnreachable(url: URL, code: string | undefined, error: unknown): void {
    if (code !== undefined && CONNECT_FAILURE_CODES.has(code)) this.#unreachableHosts.set(url.host, this.#describeError(error));
  }

  /** One attempt: send, then read the whole body within the size cap and the attempt deadline. */
  async #send(url: URL, method: "GET" | "POST", body: string | undefined, request: HttpRequest): Promise<RawResponse> {
    const keyed = this.#secrets.applyKeys(url, {
      ...lowerCaseKeys(request.headers ?? {}),
      "user-agent": this.#userAgent,
      "accept-encoding": "gzip, deflate, br",
      ...(request.accept === undefined ? {} : { accept: request.accept }),
    });
    const deadline = new AbortController();
    const deadlineTimer = setTimeout(
      () => deadline.abort(new AttemptDeadlineError(`timed out: no complete response within ${this.#attemptTimeoutMs} ms`)),
      this.#attemptTimeoutMs,
    );
    const signal = request.signal ? AbortSignal.any([request.signal, deadline.signal]) : deadline.signal;
    const started = performance.now();
    const logFields = { method, url: this.#secrets.redactUrl(url) };
    try {
      const response = await this.#agent.request({
        origin: keyed.url.origin,
        path: `${keyed.url.pathname}${keyed.url.search}`,
        method,
        headers: keyed.headers,
        body: body ?? null,
        signal,
      });
      const headers = flattenHeaders(response.headers);
      const maxBytes = this.#maxBodyBytes[request.kind];
      let responseBody: Buffer;
      if (isRetryableStatus(response.statusCode) || REDIRECT_STATUSES.has(response.statusCode)) {
        await response.body.dump(); // not kept; draining lets the connection be reused
        responseBody = Buffer.alloc(0);
      } else {
        const tooLarge = () =>
          new HttpError(`${url.host}: response body larger than the ${maxBytes}-byte limit (${this.#secrets.redactUrl(url)})`, "too-large");
        const raw = await readCapped(response.body, headers, maxBytes, tooLarge);
        responseBody = await decodeBody(raw, headers, {
          maxBytes,
          tooLarge,
          badEncoding: (detail) => new HttpError(`${url.host}: cannot decode the response body (${detail})`, "bad-encoding"),
        });
        if (headers["content-encoding"] !== undefined) {
          // The headers now describe the decoded body we hand out.
          delete headers["content-encoding"];
          headers["content-length"] = String(responseBody.length);
        }
      }
      this.#logger.debug({ ...logFields, status: response.statusCode, ms: Math.round(performance.now() - started), fromCache: false }, "http");
      return { status: response.statusCode, headers, body: responseBody, url };
    } catch (error) {
      this.#logger.debug({ ...logFields, error: this.#describeError(error), ms: Math.round(performance.now() - started) }, "http");
      if (deadline.signal.aborted && !request.signal?.aborted) throw deadline.signal.reason;
      throw error;
    } finally {
      clearTimeout(deadlineTimer);
    }
  }

  #describeError(error: unknown): string {
    const code = errorCode(error);
    const known = code === undefined ? undefined : ERROR_DESCRIPTIONS[code];
    if (known) return known;
    const message = error instanceof Error ? error.message : String(error);
    return this.#secrets.redactText(code ? `${message} (${code})` : message);
  }

  #noticeStale(): void {
    if (this.#staleNoticeGiven) return;
    this.#staleNoticeGiven = true;
    this.#logger.info("offline: serving cached responses even where they are older than their TTL; they may be out of date");
  }
}

/** The overall deadline of one attempt passed (a slow drip can keep undici's idle timeouts happy). */
class AttemptDeadlineError extends Error {}

const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/** Plain words for the network errors people meet; anything else keeps its own message and code. */
const ERROR_DESCRIPTIONS: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: "timed out connecting",
  UND_ERR_HEADERS_TIMEOUT: "timed out waiting for the response headers",
  UND_ERR_BODY_TIMEOUT: "timed out waiting for more of the response body",
  UND_ERR_SOCKET: "the connection closed before the response was complete",
  ECONNRESET: "the connection was reset",
  ECONNREFUSED: "the connection was refused",
};

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function flattenHeaders(headers: Dispatcher.ResponseData["headers"]): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

/** Read a body into memory, giving up as soon as it passes the cap (or before reading, when Content-Length says it will). */
async function readCapped(
  body: Dispatcher.ResponseData["body"],
  headers: Record<string, string>,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  if (Number(headers["content-length"]) > maxBytes) {
    body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const inflateRawAsync = promisify(inflateRaw);
const brotliDecompressAsync = promisify(brotliDecompress);

const DECODERS: Record<string, (data: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>> = {
  gzip: gunzipAsync,
  "x-gzip": gunzipAsync,
  br: brotliDecompressAsync,
  // "deflate" should be zlib-wrapped, but some servers send raw deflate; the zlib header tells them apart.
  deflate: (data, options) => (hasZlibHeader(data) ? inflateAsync(data, options) : inflateRawAsync(data, options)),
};

function hasZlibHeader(data: Buffer): boolean {
  const [first, second] = data;
  return first !== undefined && second !== undefined && (first & 0x0f) === 8 && ((first << 8) | second) % 31 === 0;
}

/**
 * Undo Content-Encoding (undici's request does not). The decoded size is capped too, so a small
 * compressed body cannot expand without bound.
 */
async function decodeBody(
  raw: Buffer,
  headers: Record<string, string>,
  limits: { maxBytes: number; tooLarge: () => Error; badEncoding: (detail: string) => Error },
): Promise<Buffer> {
  const encodings = (headers["content-encoding"] ?? "")
    .split(",")
    .map((encoding) => encoding.trim().toLowerCase())
    .filter((encoding) => encoding !== "" && encoding !== "identity");
  if (encodings.length > MAX_CONTENT_ENCODINGS) throw limits.badEncoding(`${encodings.length} layered content-encodings`);
  let body = raw;
  for (const encoding of encodings.reverse()) {
    const decode = DECODERS[encoding];
    if (!decode) throw limits.badEncoding(`unsupported content-encoding "${encoding}"`);
    try {
      body = await decode(body, { maxOutputLength: limits.maxBytes });
    } catch (error) {
      if (errorCode(error) === "ERR_BUFFER_TOO_LARGE") throw limits.tooLarge();
      throw limits.badEncoding(`${encoding}: ${(error as Error).message}`);
    }
  }
  return body;
}

function toHttpResponse(
  response: { status: number; headers: Record<string, string>; body: Buffer; url: string },
  origin: { fromCache: boolean; stale: boolean },
): HttpResponse {
  return {
    status: response.status,
    headers: response.headers,
    body: response.body,
    url: response.url,
    ...origin,
    text: () => decodeText(response.body, response.headers["content-type"]),
  };
}

function decodeText(body: Buffer, contentType: string | undefined): string {
  const charset = /charset="?([^";\s]+)/i.exec(contentType ?? "")?.[1];
  try {
    return new TextDecoder(charset ?? "utf-8").decode(body);
  } catch {
    return body.toString("utf8"); // a charset label TextDecoder does not know
  }
}
