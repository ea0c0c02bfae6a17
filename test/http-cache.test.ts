import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";

import { describe, expect, it } from "vitest";

import { cacheInfo, type CacheRequest, clearCache, DiskCache } from "../src/http/cache.js";
import { createLogger } from "../src/log.js";
import { readFixture } from "./helpers/replay-server.js";
import { makeTempDir } from "./helpers/temp.js";

const DAY = 86_400_000;
const XML = readFixture("api/ncbi-eutils/esearch-pubmed-biopython.xml");
const request = (extra: Partial<CacheRequest> = {}): CacheRequest => ({
  kind: "metadata",
  method: "GET",
  url: "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esearch.fcgi?db=pubmed&term=biopython",
  ...extra,
});
const ok = { status: 200, headers: { "content-type": "text/xml", "set-cookie": "session=1" }, body: XML, url: request().url };

function makeCache(options: { now?: () => number } = {}) {
  const dir = makeTempDir();
  let logOutput = "";
  const logger = createLogger(
    "debug",
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logOutput += chunk.toString();
        done();
      },
    }),
  );
  return { dir, cache: new DiskCache({ dir, logger, ...options }), log: () => logOutput };
}

function entryFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((dirent) => dirent.isFile())
    .map((dirent) => join(dirent.parentPath, dirent.name));
}

describe("DiskCache", () => {
  it("stores one file per request under its kind, keeping only the headers that describe the content", async () => {
    const { dir, cache } = makeCache();
    await cache.write(request(), ok);
    const [file, ...others] = entryFiles(dir);
    expect(others).toEqual([]);
    expect(file).toMatch(/\/metadata\/[0-9a-f]{2}\/[0-9a-f]{64}\.entry$/);

    const lookup = await cache.read(request());
    expect(lookup?.fresh).toBe(true);
    expect(lookup?.response.body.equals(XML)).toBe(true);
    expect(lookup?.response.headers).toEqual({ "content-type": "text/xml" });
  });

  it("tells requests apart by method, URL, Accept and body", async () => {
    const { cache } = makeCache();
    await cache.write(request(), ok);
    for (const other of [
      request({ method: "POST" }),
      request({ url: `${request().url}&retmax=5` }),
      request({ accept: "application/json" }),
      request({ body: "id=1" }),
    ]) {
      expect(await cache.read(other)).toBeUndefined();
    }
  });

  it("never stores retryable failures or redirects", async () => {
    const { dir, cache } = makeCache();
    for (const status of [429, 500, 503, 301, 400]) await cache.write(request(), { ...ok, status });
    expect(entryFiles(dir)).toEqual([]);
  });

  it("marks entries stale after their kind's TTL, and 404s after a day", async () => {
    let now = 1_000_000;
    const { cache } = makeCache({ now: () => now });
    await cache.write(request({ kind: "fulltext" }), ok);
    await cache.write(request({ kind: "fulltext", url: "https://x.example/missing" }), { ...ok, status: 404 });
    now += 2 * DAY;
    expect((await cache.read(request({ kind: "fulltext" })))?.fresh).toBe(true);
    expect((await cache.read(request({ kind: "fulltext", url: "https://x.example/missing" })))?.fresh).toBe(false);
    now += 90 * DAY;
    expect((await cache.read(request({ kind: "fulltext" })))?.fresh).toBe(false);
  });

  it.each([
    ["no header line", () => Buffer.from("garbage without a newline")],
    ["a header of another format", (entry: Buffer) => Buffer.concat([Buffer.from('{"format":"other/9"}\n'), entry])],
    ["a body longer than recorded", (entry: Buffer) => Buffer.concat([entry, Buffer.from("extra")])],
    [
      "a changed byte",
      (entry: Buffer) => {
        const copy = Buffer.from(entry);
        copy.writeUInt8(copy.readUInt8(copy.length - 10) ^ 0xff, copy.length - 10);
        return copy;
      },
    ],
  ])("treats an entry with %s as a miss and logs why at debug level", async (_case, damage) => {
    const { dir, cache, log } = makeCache();
    await cache.write(request(), ok);
    const [file] = entryFiles(dir);
    writeFileSync(file!, damage(readFileSync(file!)));
    expect(await cache.read(request())).toBeUndefined();
    expect(log()).toMatch(/debug: http cache: damaged entry, treated as a miss \(file=.* reason=/);
  });

  it("leaves no temporary files behind", async () => {
    const { dir, cache } = makeCache();
    await Promise.all([cache.write(request(), ok), cache.write(request(), ok), cache.write(request({ kind: "search" }), ok)]);
    expect(entryFiles(dir).every((file) => file.endsWith(".entry"))).toBe(true);
    expect(entryFiles(dir)).toHaveLength(2);
  });

  it("keeps working when the cache directory cannot be written", async () => {
    const parent = makeTempDir();
    writeFileSync(join(parent, "file"), "");
    const logger = createLogger("silent");
    const cache = new DiskCache({ dir: join(parent, "file", "cache"), logger });
    await expect(cache.write(request(), ok)).resolves.toBeUndefined();
    expect(await cache.read(request())).toBeUndefined();
  });
});

describe("cacheInfo and clearCache", () => {
  it("count entries per kind and remove those older than asked, and abandoned temporary files", async () => {
    const { dir, cache } = makeCache();
    await cache.write(request({ kind: "search" }), ok);
    await cache.write(request({ kind: "metadata" }), ok);
    await cache.write(request({ kind: "fulltext" }), ok);
    await cache.write(request({ kind: "fulltext", url: "https://x.example/2" }), ok);
    // Entries differ only in the kind named in their header.
    const size = (kind: string) => readFileSync(entryFiles(join(dir, kind))[0]!).length;
    const sizes = { search: size("search"), metadata: size("metadata"), fulltext: size("fulltext") };

    const info = await cacheInfo(dir);
    expect(info).toEqual({
      entries: 4,
      bytes: sizes.search + sizes.metadata + 2 * sizes.fulltext,
      byKind: {
        search: { entries: 1, bytes: sizes.search },
        metadata: { entries: 1, bytes: sizes.metadata },
        fulltext: { entries: 2, bytes: 2 * sizes.fulltext },
        llm: { entries: 0, bytes: 0 },
      },
    });

    const now = Date.now();
    const tenDaysAgo = new Date(now - 10 * DAY);
    utimesSync(entryFiles(join(dir, "fulltext"))[0]!, tenDaysAgo, tenDaysAgo);
    const shard = join(dir, "search", "00");
    mkdirSync(shard, { recursive: true });
    const abandoned = join(shard, `${"0".repeat(64)}.entry.123-abcdef.tmp`);
    const inProgress = join(shard, `${"1".repeat(64)}.entry.123-abcdef.tmp`);
    const foreign = join(dir, "search", "notes.txt");
    writeFileSync(abandoned, "x");
    writeFileSync(inProgress, "y");
    writeFileSync(foreign, "not ours");
    utimesSync(abandoned, tenDaysAgo, tenDaysAgo);

    expect(await clearCache(dir, { olderThanMs: 7 * DAY, now: () => now })).toEqual({ removed: 2, bytes: sizes.fulltext + 1 });
    expect((await cacheInfo(dir)).byKind.fulltext.entries).toBe(1);

    expect(await clearCache(dir)).toEqual({ removed: 3, bytes: sizes.search + sizes.metadata + sizes.fulltext });
    expect((await cacheInfo(dir)).entries).toBe(0);
    expect(entryFiles(dir).sort()).toEqual([foreign, inProgress].sort());
  });

  it("report an empty cache when the directory does not exist", async () => {
    const missing = join(makeTempDir(), "never-created");
    expect((await cacheInfo(missing)).entries).toBe(0);
    expect(await clearCache(missing)).toEqual({ removed: 0, bytes: 0 });
  });
});
