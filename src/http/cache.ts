// The HTTP disk cache. One file per response, named by the SHA-256 of what was asked (method,
// key-free URL, Accept, body) and stored under its kind:
//
//   <dir>/<kind>/<first two hex digits>/<sha256>.entry
//
// A file is one line of JSON (the header) followed by the raw body bytes. The header holds the
// body's length and SHA-256, so a truncated or altered file is detected and treated as a miss.
// Files are written to a temporary name and renamed, so a reader never sees a half-written entry.
//
// What is cached: 2xx responses for their kind's TTL, and 404/410 (a final "not there") for at most
// a day, since a paper that has no open full text today may get one. Retryable failures (429, 5xx,
// network errors) never are. Expired entries stay on disk: offline mode serves them (marked stale).
// The LLM client stores its validated answers here too, under the kind "llm".
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { Logger } from "../log.js";

export const CACHE_KINDS = ["search", "metadata", "fulltext", "llm"] as const;
/** What an entry holds: an HTTP response by kind, or a validated LLM answer (src/llm/client.ts). */
export type CacheEntryKind = (typeof CACHE_KINDS)[number];
/** The kinds of HTTP response the HTTP client fetches. */
export type CacheKind = Exclude<CacheEntryKind, "llm">;

/** default: read and write; no-cache: neither; offline: read only, any age, and never the network. */
export type CacheMode = "default" | "no-cache" | "offline";

const DAY_MS = 86_400_000;
export const DEFAULT_CACHE_TTL_MS: Readonly<Record<CacheEntryKind, number>> = {
  search: DAY_MS,
  metadata: 7 * DAY_MS,
  fulltext: 90 * DAY_MS,
  llm: 90 * DAY_MS,
};
export const DEFAULT_NOT_FOUND_TTL_MS = DAY_MS;

const ENTRY_FORMAT = "litreview-http-cache/1";
/** Response headers worth keeping; the rest describe the transfer, not the content. */
const STORED_HEADERS = ["content-type", "content-disposition", "etag", "last-modified"];
const ENTRY_FILE = /^[0-9a-f]{64}\.entry$/;
const TEMP_FILE = /^[0-9a-f]{64}\.entry\.\d+-[0-9a-f]+\.tmp$/;
/** Temporary files younger than this may belong to a write in progress (in another process). */
const TEMP_FILE_GRACE_MS = 10 * 60_000;

/** What identifies a request in the cache. `url` must already be free of keys and contact addresses. */
export interface CacheRequest {
  kind: CacheEntryKind;
  method: string;
  url: string;
  accept?: string;
  body?: string;
}

export interface CachedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The key-free URL the response came from (after redirects). */
  url: string;
  storedAt: number;
}

export interface CacheLookup {
  response: CachedResponse;
  /** False once the entry is older than its TTL. */
  fresh: boolean;
}

export interface DiskCacheOptions {
  dir: string;
  logger: Logger;
  ttlMs?: Partial<Record<CacheEntryKind, number>>;
  /** Longest time a 404/410 is trusted (still at most the kind's TTL). */
  notFoundTtlMs?: number;
  /** Clock in epoch milliseconds; injected by tests. */
  now?: () => number;
}

const EntryHeaderSchema = z.object({
  format: z.literal(ENTRY_FORMAT),
  kind: z.enum(CACHE_KINDS),
  method: z.string(),
  url: z.string(),
  status: z.int().min(100).max(599),
  headers: z.record(z.string(), z.string()),
  storedAt: z.number().nonnegative(),
  bodyBytes: z.int().nonnegative(),
  bodySha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

export class DiskCache {
  readonly #dir: string;
  readonly #logger: Logger;
  readonly #ttlMs: Record<CacheEntryKind, number>;
  readonly #notFoundTtlMs: number;
  readonly #now: () => number;

  constructor(options: DiskCacheOptions) {
    this.#dir = options.dir;
    this.#logger = options.logger;
    this.#ttlMs = { ...DEFAULT_CACHE_TTL_MS, ...options.ttlMs };
    this.#notFoundTtlMs = options.notFoundTtlMs ?? DEFAULT_NOT_FOUND_TTL_MS;
    this.#now = options.now ?? Date.now;
    for (const [name, ttl] of [...Object.entries(this.#ttlMs), ["notFound", this.#notFoundTtlMs] as const]) {
      if (!(Number.isFinite(ttl) && ttl >= 0)) throw new RangeError(`cache TTL for ${name} must be a non-negative number`);
    }
  }

  /** Whether a response with this status may be stored at all. */
  isCacheable(status: number): boolean {
    return (status >= 200 && status < 300) || status === 404 || status === 410;
  }

  /** The stored response for the request at any age; undefined on a miss or a damaged entry. */
  async read(request: CacheRequest): Promise<CacheLookup | undefined> {
    const file = this.#fileFor(request);
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") this.#logger.debug({ file, code }, "http cache: unreadable entry, treated as a miss");
      return undefined;
    }
    const parsed = parseEntry(data);
    if (typeof parsed === "string") {
      this.#logger.debug({ file, reason: parsed }, "http cache: damaged entry, treated as a miss");
      return undefined;
    }
    const age = this.#now() - parsed.storedAt;
    return { response: parsed, fresh: age < this.#ttlFor(request.kind, parsed.status) };
  }

  /** Store a response. Failures are logged and swallowed: the cache must never fail a request. */
  async write(request: CacheRequest, response: Omit<CachedResponse, "storedAt">): Promise<void> {
    if (!this.isCacheable(response.status)) return;
    const file = this.#fileFor(request);
    const header = {
      format: ENTRY_FORMAT,
      kind: request.kind,
      method: request.method,
      url: response.url,
      status: response.status,
      headers: Object.fromEntries(STORED_HEADERS.flatMap((name) => (response.headers[name] ? [[name, response.headers[name]]] : []))),
      storedAt: this.#now(),
      bodyBytes: response.body.length,
      bodySha256: sha256(response.body),
    } satisfies z.input<typeof EntryHeaderSchema>;
    const temp = `${file}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`;
    try {
      await mkdir(join(file, ".."), { recursive: true });
      await writeFile(temp, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), response.body]), { flag: "wx" });
      await rename(temp, file);
    } catch (error) {
      this.#logger.warn({ file, error: (error as Error).message }, "http cache: could not store a response");
      await unlink(temp).catch(() => undefined);
    }
  }

  #ttlFor(kind: CacheEntryKind, status: number): number {
    const ttl = this.#ttlMs[kind];
    return status >= 200 && status < 300 ? ttl : Math.min(ttl, this.#notFoundTtlMs);
  }

  #fileFor(request: CacheRequest): string {
    const id = sha256(JSON.stringify([ENTRY_FORMAT, request.method, request.url, request.accept ?? "", request.body ?? ""]));
    return join(this.#dir, request.kind, id.slice(0, 2), `${id}.entry`);
  }
}

/** The entry in a cache file, or why it cannot be trusted. */
function parseEntry(data: Buffer): CachedResponse | string {
  const newline = data.indexOf(0x0a);
  if (newline < 0) return "no header line";
  let json: unknown;
  try {
    json = JSON.parse(data.subarray(0, newline).toString("utf8"));
  } catch {
    return "header is not JSON";
  }
  const header = EntryHeaderSchema.safeParse(json);
  if (!header.success) return `header does not match ${ENTRY_FORMAT}`;
  const body = data.subarray(newline + 1);
  if (body.length !== header.data.bodyBytes) return `body is ${body.length} bytes, header says ${header.data.bodyBytes}`;
  if (sha256(body) !== header.data.bodySha256) return "body checksum mismatch";
  const { status, headers, url, storedAt } = header.data;
  return { status, headers, body: Buffer.from(body), url, storedAt };
}

export interface CacheInfo {
  entries: number;
  bytes: number;
  byKind: Record<CacheEntryKind, { entries: number; bytes: number }>;
}

interface CacheFile {
  path: string;
  kind: CacheEntryKind;
  temporary: boolean;
  bytes: number;
  modifiedMs: number;
}

/** Every file the cache wrote under `dir` (entries and leftover temporary files); nothing else. */
async function listCacheFiles(dir: string): Promise<CacheFile[]> {
  const files: CacheFile[] = [];
  for (const kind of CACHE_KINDS) {
    let dirents;
    try {
      dirents = await readdir(join(dir, kind), { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    for (const dirent of dirents) {
      const temporary = TEMP_FILE.test(dirent.name);
      if (!dirent.isFile() || !(temporary || ENTRY_FILE.test(dirent.name))) continue;
      const path = join(dirent.parentPath, dirent.name);
      const stats = await stat(path).catch(() => undefined);
      if (stats) files.push({ path, kind, temporary, bytes: stats.size, modifiedMs: stats.mtimeMs });
    }
  }
  return files;
}

/** How many responses the cache holds and how much space they take, in total and per kind. */
export async function cacheInfo(dir: string): Promise<CacheInfo> {
  const info: CacheInfo = {
    entries: 0,
    bytes: 0,
    byKind: Object.fromEntries(CACHE_KINDS.map((kind) => [kind, { entries: 0, bytes: 0 }])) as CacheInfo["byKind"],
  };
  for (const file of await listCacheFiles(dir)) {
    if (file.temporary) continue;
    info.entries += 1;
    info.bytes += file.bytes;
    info.byKind[file.kind].entries += 1;
    info.byKind[file.kind].bytes += file.bytes;
  }
  return info;
}

/**
 * Delete cache entries (all of them, or those written more than `olderThanMs` ago) and temporary
 * files abandoned by interrupted writes. Only files the cache itself names are touched, so a
 * mistyped directory cannot lose anything else.
 */
export async function clearCache(
  dir: string,
  options: { olderThanMs?: number; now?: () => number } = {},
): Promise<{ removed: number; bytes: number }> {
  const now = (options.now ?? Date.now)();
  const entryCutoff = options.olderThanMs === undefined ? Number.POSITIVE_INFINITY : now - options.olderThanMs;
  const tempCutoff = Math.min(entryCutoff, now - TEMP_FILE_GRACE_MS);
  let removed = 0;
  let bytes = 0;
  const shardDirs = new Set<string>();
  for (const file of await listCacheFiles(dir)) {
    if (file.modifiedMs >= (file.temporary ? tempCutoff : entryCutoff)) continue;
    try {
      await unlink(file.path);
    } catch {
      continue; // removed meanwhile by another process
    }
    removed += 1;
    bytes += file.bytes;
    shardDirs.add(join(file.path, ".."));
  }
  for (const shardDir of shardDirs) await rmdir(shardDir).catch(() => undefined); // only succeeds when empty
  return { removed, bytes };
}
