import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it, onTestFinished } from "vitest";

import { cacheInfo } from "../src/http/cache.js";
import { createHttpClient, HttpError, type HttpClient, type HttpClientOptions } from "../src/http/client.js";
import { readFixture, type ReplayRoute, type ReplayServer, startReplayServer } from "./helpers/replay-server.js";
import { capturedLogger } from "./helpers/sources.js";
import { makeTempDir } from "./helpers/temp.js";

const SEARCH_PATH = "/europepmc/webservices/rest/search";
const SEARCH_FIXTURE = "api/europepmc/europepmc-search-cancer-core.json";
const ESEARCH_PATH = "/entrez/eutils/esearch.fcgi";
const ESEARCH_FIXTURE = "api/ncbi-eutils/esearch-pubmed-biopython.xml";
const FULLTEXT_PATH = "/europepmc/webservices/rest/PMC13205833/fullTextXML";
const FULLTEXT_FIXTURE = "jats/europepmc-fulltextxml-PMC13205833.xml";
const S2_PATH = "/graph/v1/paper/DOI:10.1101/2024.04.01.587366";
const S2_NOT_FOUND_FIXTURE = "api/semanticscholar/s2-paper-DOI-not-found-404.json";

const searchRoute = (extra: Partial<ReplayRoute> = {}): ReplayRoute => ({
  path: SEARCH_PATH,
  response: { bodyFile: SEARCH_FIXTURE, headers: { "content-type": "application/json;charset=UTF-8" } },
  ...extra,
});
const esearchRoute = (extra: Partial<ReplayRoute> = {}): ReplayRoute => ({
  path: ESEARCH_PATH,
  response: { bodyFile: ESEARCH_FIXTURE, headers: { "content-type": "text/xml; charset=UTF-8" } },
  ...extra,
});

interface Setup {
  server: ReplayServer;
  log: ReturnType<typeof capturedLogger>;
  cacheDir: string;
  /** A client on the replay server, with fast retries and no pacing unless `options` say otherwise. */
  client(options?: Partial<HttpClientOptions>): HttpClient;
}

async function setup(routes: ReplayRoute[]): Promise<Setup> {
  const server = await startReplayServer(routes);
  onTestFinished(() => server.close());
  const log = capturedLogger();
  const cacheDir = makeTempDir();
  return {
    server,
    log,
    cacheDir,
    client(options = {}) {
      const client = createHttpClient({
        version: "0.1.0",
        logger: log.logger,
        hostLimits: { [server.host]: { minIntervalMs: 0, maxConcurrent: 8 } },
        retry: { baseDelayMs: 5, maxDelayMs: 20, random: () => 0.5 },
        timeouts: { connectMs: 2000, headersMs: 2000, bodyIdleMs: 2000, attemptMs: 5000 },
        ...options,
      });
      onTestFinished(() => client.close());
      return client;
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

/** Every file under the cache directory, as one string, to search for secrets. */
function cacheContents(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((dirent) => dirent.isFile())
    .map((dirent) => readFileSync(join(dirent.parentPath, dirent.name), "latin1"))
    .join("\n");
}

function cacheEntryFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((dirent) => dirent.isFile() && dirent.name.endsWith(".entry"))
    .map((dirent) => join(dirent.parentPath, dirent.name));
}

describe("requests", () => {
  it("returns the recorded response and identifies itself with a contact address", async () => {
    const { server, client } = await setup([searchRoute()]);
    const response = await client({ email: "me@example.org" }).request({ url: server.url(`${SEARCH_PATH}?query=cancer`), kind: "search" });

    expect(response.status).toBe(200);
    expect(response.fromCache).toBe(false);
    expect(response.body.equals(readFixture(SEARCH_FIXTURE))).toBe(true);
    expect(JSON.parse(response.text()).hitCount).toBe(5059039);
    expect(response.headers["content-type"]).toMatch(/application\/json/);
    expect(server.requests[0]?.headers["user-agent"]).toBe("litreview/0.1.0 (+https://github.com/litreview; mailto:me@example.org)");
  });

  it("leaves mailto out of the User-Agent when no email is configured", async () => {
    const { server, client } = await setup([esearchRoute()]);
    await client().request({ url: server.url(ESEARCH_PATH), kind: "search" });
    expect(server.requests[0]?.headers["user-agent"]).toBe("litreview/0.1.0 (+https://github.com/litreview)");
  });

  it.each(["gzip", "br", "deflate"] as const)("decodes a %s-encoded body", async (encoding) => {
    const { server, client } = await setup([searchRoute({ response: { bodyFile: SEARCH_FIXTURE, encoding } })]);
    const response = await client().request({ url: server.url(SEARCH_PATH), kind: "search" });
    expect(server.requests[0]?.headers["accept-encoding"]).toMatch(/gzip/);
    expect(response.body.equals(readFixture(SEARCH_FIXTURE))).toBe(true);
    expect(response.headers["content-encoding"]).toBeUndefined();
  });

  it("rejects URLs that are not http or https before sending anything", async () => {
    const { server, client } = await setup([]);
    const http = client();
    for (const url of ["ftp://example.org/paper.pdf", "file:///etc/passwd", "not a url"]) {
      const error = await rejection(http.request({ url, kind: "fulltext" }));
      expect(error.failure).toBe("unsupported-url");
    }
    expect((await rejection(http.request({ url: "ftp://example.org/x", kind: "fulltext" }))).message).toMatch(
      /only http and https URLs can be fetched, not ftp/,
    );
    expect(server.requests).toHaveLength(0);
  });

  it("follows redirects, but not to other schemes", async () => {
    const { server, client } = await setup([
      { path: "/moved", response: { status: 302, headers: { location: ESEARCH_PATH } } },
      { path: "/to-ftp", response: { status: 301, headers: { location: "ftp://example.org/file" } } },
      esearchRoute(),
    ]);
    const http = client();
    const response = await http.request({ url: server.url("/moved"), kind: "metadata" });
    expect(response.status).toBe(200);
    expect(response.url).toBe(server.url(ESEARCH_PATH));
    expect(response.text()).toContain("<Count>63</Count>");

    const error = await rejection(http.request({ url: server.url("/to-ftp"), kind: "metadata" }));
    expect(error.message).toMatch(/not ftp.*redirected from/);
  });

  it("hands a malformed body back as it came (parsing is the caller's job)", async () => {
    const { server, client } = await setup([searchRoute({ faults: [{ type: "malformed" }] })]);
    const response = await client().request({ url: server.url(SEARCH_PATH), kind: "search" });
    expect(response.status).toBe(200);
    expect(() => JSON.parse(response.text()) as unknown).toThrow(SyntaxError);
  });
});

describe("retries", () => {
  it("waits as long as Retry-After says after a 429, then succeeds", async () => {
    const { server, client, log } = await setup([esearchRoute({ faults: [{ type: "status", status: 429, retryAfter: "1" }] })]);
    const response = await client().request({ url: server.url(ESEARCH_PATH), kind: "search" });

    expect(response.status).toBe(200);
    const [first, second] = server.requests;
    expect(server.requests).toHaveLength(2);
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(1000 - 20);
    expect(log.output()).toMatch(new RegExp(`debug: http: retrying .*host=${server.host}.*problem=status 429.*waitMs=1000`));
  });

  it("retries 503s with backoff until the server recovers", async () => {
    const { server, client } = await setup([esearchRoute({ faults: [{ type: "status", status: 503, times: 2 }] })]);
    const response = await client().request({ url: server.url(ESEARCH_PATH), kind: "search" });
    expect(response.status).toBe(200);
    expect(server.requests).toHaveLength(3);
  });

  it("gives up after the configured number of attempts, naming the host and the last status", async () => {
    const { server, client } = await setup([esearchRoute({ faults: [{ type: "status", status: 503, times: 10 }] })]);
    const error = await rejection(client({ retry: { maxAttempts: 3, baseDelayMs: 1 } }).request({ url: server.url(ESEARCH_PATH), kind: "search" }));
    expect(error.message).toContain(`GET ${server.url(ESEARCH_PATH)} failed after 3 attempts: status 503`);
    expect(error.status).toBe(503);
    expect(server.requests).toHaveLength(3);
  });

  it("gives up on a host that refuses connections, and fails later requests to it at once", async () => {
    const { client, log } = await setup([]);
    const closed = await startReplayServer();
    const url = closed.url(ESEARCH_PATH);
    await closed.close();
    const http = client({ retry: { maxAttempts: 3, baseDelayMs: 1 } });
    const first = await rejection(http.request({ url, kind: "search" }));
    expect(first.message).toBe(`GET ${url} failed after 3 attempts: the connection was refused`);
    const retriesLogged = () => log.output().split("http: retrying").length - 1;
    expect(retriesLogged()).toBe(2);
    const second = await rejection(http.request({ url: `${url}?again=1`, kind: "search" }));
    expect(second.message).toBe(`${closed.host} is unreachable (the connection was refused); not trying it again in this run`);
    expect(retriesLogged()).toBe(2);
  });

  it("does not retry a 404, a final answer", async () => {
    const { server, client } = await setup([
      { path: S2_PATH, response: { status: 404, bodyFile: S2_NOT_FOUND_FIXTURE, headers: { "content-type": "application/json" } } },
    ]);
    const response = await client().request({ url: server.url(S2_PATH), kind: "metadata" });
    expect(response.status).toBe(404);
    expect(JSON.parse(response.text())).toEqual({ error: "Paper with id DOI:10.1101/2024.04.01.587366 not found" });
    expect(server.requests).toHaveLength(1);
  });

  it("fails at once, naming the host, when Retry-After asks for more than the cap", async () => {
    const { server, client } = await setup([esearchRoute({ faults: [{ type: "status", status: 429, retryAfter: "3600" }] })]);
    const error = await rejection(client({ retry: { maxRetryAfterMs: 5000 } }).request({ url: server.url(ESEARCH_PATH), kind: "search" }));
    expect(error.failure).toBe("retry-after-too-long");
    expect(error.message).toContain(`${server.host} asked to wait 3600 s before retrying (Retry-After), more than the 5 s we wait`);
    expect(server.requests).toHaveLength(1);
  });
});

describe("timeouts and size caps", () => {
  it("times out a connection that never answers, with a clear error", async () => {
    const { server, client } = await setup([esearchRoute({ faults: [{ type: "hang" }] })]);
    const http = client({ timeouts: { headersMs: 200 }, retry: { maxAttempts: 1 } });
    const error = await rejection(http.request({ url: server.url(ESEARCH_PATH), kind: "search" }));
    expect(error.failure).toBe("timeout");
    expect(error.message).toBe(`GET ${server.url(ESEARCH_PATH)} failed after 1 attempt: timed out waiting for the response headers`);
  });

  it("retries after a timeout", async () => {
    const { server, client } = await setup([esearchRoute({ faults: [{ type: "hang" }] })]);
    const response = await client({ timeouts: { attemptMs: 500 } }).request({ url: server.url(ESEARCH_PATH), kind: "search" });
    expect(response.status).toBe(200);
    expect(server.requests).toHaveLength(2);
  });

  it("stops a body that drips in slower than the attempt deadline", async () => {
    const { server, client } = await setup([esearchRoute({ response: { bodyFile: ESEARCH_FIXTURE, slow: { chunkBytes: 50, delayMs: 40 } } })]);
    const http = client({ timeouts: { attemptMs: 150 }, retry: { maxAttempts: 1 } });
    const error = await rejection(http.request({ url: server.url(ESEARCH_PATH), kind: "search" }));
    expect(error.failure).toBe("timeout");
    expect(error.message).toContain("timed out: no complete response within 150 ms");
  });

  it("reads a slow, chunked body completely when it arrives in time", async () => {
    const { server, client } = await setup([esearchRoute({ response: { bodyFile: ESEARCH_FIXTURE, slow: { chunkBytes: 100, delayMs: 5 } } })]);
    const response = await client().request({ url: server.url(ESEARCH_PATH), kind: "search" });
    expect(response.body.equals(readFixture(ESEARCH_FIXTURE))).toBe(true);
  });

  it("fails on a truncated body and caches nothing", async () => {
    const { server, client, cacheDir } = await setup([searchRoute({ faults: [{ type: "truncate", times: 10 }] })]);
    const http = client({ cache: { dir: cacheDir, mode: "default" }, retry: { maxAttempts: 2, baseDelayMs: 1 } });
    const error = await rejection(http.request({ url: server.url(SEARCH_PATH), kind: "search" }));
    expect(error.failure).toBe("retries-exhausted");
    expect(error.message).toContain("failed after 2 attempts: the connection closed before the response was complete");
    expect(server.requests).toHaveLength(2);
    expect((await cacheInfo(cacheDir)).entries).toBe(0);
  });

  it.each([
    ["declared in Content-Length", {}],
    ["sent chunked without a length", { slow: { chunkBytes: 16_384, delayMs: 1 } }],
    ["only once decompressed", { encoding: "gzip" as const }],
  ])("refuses a body over the size cap when its size is %s", async (_case, delivery) => {
    const { server, client } = await setup([searchRoute({ response: { bodyFile: SEARCH_FIXTURE, ...delivery } })]);
    // The gzipped fixture is about 36 KB and 241 KB decoded: a 100 KB cap passes it in and stops it coming out.
    const http = client({ maxBodyBytesByKind: { search: 100_000 } });
    const error = await rejection(http.request({ url: server.url(SEARCH_PATH), kind: "search" }));
    expect(error.failure).toBe("too-large");
    expect(error.message).toContain(`${server.host}: response body larger than the 100000-byte limit`);
    expect(server.requests).toHaveLength(1);
    // The cap is per kind: the same response is fine as full text.
    expect((await http.request({ url: server.url(SEARCH_PATH), kind: "fulltext" })).status).toBe(200);
  });
});

describe("rate limits", () => {
  it("spaces concurrent requests to one host by the configured interval", async () => {
    const { server, client } = await setup([esearchRoute(), searchRoute()]);
    const http = client({ hostLimits: { [server.host]: { minIntervalMs: 150, maxConcurrent: 4 } } });
    await Promise.all([
      http.request({ url: server.url(`${ESEARCH_PATH}?term=a`), kind: "search" }),
      http.request({ url: server.url(`${ESEARCH_PATH}?term=b`), kind: "search" }),
      http.request({ url: server.url(SEARCH_PATH), kind: "search" }),
    ]);
    const arrivals = server.requests.map((request) => request.receivedAt);
    expect(arrivals).toHaveLength(3);
    for (let index = 1; index < arrivals.length; index += 1) {
      expect(arrivals[index]! - arrivals[index - 1]!).toBeGreaterThanOrEqual(150 - 10);
    }
  });

  it("keeps one request in flight at a time for a single-connection host", async () => {
    // 718 bytes in 100-byte pieces 40 ms apart: each response takes at least 280 ms.
    const slow = { bodyFile: ESEARCH_FIXTURE, slow: { chunkBytes: 100, delayMs: 40 } };
    const { server, client } = await setup([esearchRoute({ response: slow })]);
    const http = client({ hostLimits: { [server.host]: { minIntervalMs: 0, maxConcurrent: 1 } } });
    await Promise.all([
      http.request({ url: server.url(`${ESEARCH_PATH}?term=a`), kind: "search" }),
      http.request({ url: server.url(`${ESEARCH_PATH}?term=b`), kind: "search" }),
    ]);
    const [first, second] = server.requests;
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(280 - 20);
  });
});

describe("disk cache through the client", () => {
  it("answers a repeated request from the cache", async () => {
    const { server, client, cacheDir } = await setup([searchRoute()]);
    const http = client({ cache: { dir: cacheDir, mode: "default" } });
    const url = server.url(`${SEARCH_PATH}?query=cancer&resultType=core`);
    const first = await http.request({ url, kind: "search" });
    const second = await http.request({ url, kind: "search" });

    expect(server.requests).toHaveLength(1);
    expect(first.fromCache).toBe(false);
    expect(second.fromCache).toBe(true);
    expect(second.body.equals(first.body)).toBe(true);
    expect(second.headers["content-type"]).toBe(first.headers["content-type"]);
    expect((await cacheInfo(cacheDir)).byKind.search.entries).toBe(1);
  });

  it.each([
    ["a header that is not JSON", (_entry: Buffer) => Buffer.from("{not json\nbody")],
    ["a truncated body", (entry: Buffer) => entry.subarray(0, entry.length - 100)],
  ])("treats an entry with %s as a miss and replaces it", async (_case, damage) => {
    const { server, client, cacheDir, log } = await setup([searchRoute()]);
    const http = client({ cache: { dir: cacheDir, mode: "default" } });
    const url = server.url(SEARCH_PATH);
    await http.request({ url, kind: "search" });
    const [file] = cacheEntryFiles(cacheDir);
    const intact = readFileSync(file!);
    writeFileSync(file!, damage(intact));

    const response = await http.request({ url, kind: "search" });
    expect(response.fromCache).toBe(false);
    expect(server.requests).toHaveLength(2);
    expect(log.output()).toContain("http cache: damaged entry, treated as a miss");
    expect(readFileSync(file!).length).toBe(intact.length);
    expect((await http.request({ url, kind: "search" })).fromCache).toBe(true);
  });

  it("bypasses the cache in no-cache mode", async () => {
    const { server, client, cacheDir } = await setup([searchRoute()]);
    const http = client({ cache: { dir: cacheDir, mode: "no-cache" } });
    await http.request({ url: server.url(SEARCH_PATH), kind: "search" });
    await http.request({ url: server.url(SEARCH_PATH), kind: "search" });
    expect(server.requests).toHaveLength(2);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it("refetches once an entry is older than its kind's TTL", async () => {
    const { server, client, cacheDir } = await setup([searchRoute()]);
    let now = Date.parse("2026-01-01T00:00:00Z");
    const http = client({ cache: { dir: cacheDir, mode: "default", ttlMs: { search: 60_000 } }, now: () => now });
    const url = server.url(SEARCH_PATH);
    await http.request({ url, kind: "search" });
    now += 59_000;
    expect((await http.request({ url, kind: "search" })).fromCache).toBe(true);
    now += 2_000;
    expect((await http.request({ url, kind: "search" })).fromCache).toBe(false);
    expect(server.requests).toHaveLength(2);
  });

  it("caches a full-text 404 for a day at most", async () => {
    const { server, client, cacheDir } = await setup([{ path: FULLTEXT_PATH, response: { status: 404, body: "not found" } }]);
    let now = Date.parse("2026-01-01T00:00:00Z");
    const http = client({ cache: { dir: cacheDir, mode: "default" }, now: () => now });
    const url = server.url(FULLTEXT_PATH);
    expect((await http.request({ url, kind: "fulltext" })).status).toBe(404);
    const cached = await http.request({ url, kind: "fulltext" });
    expect(cached).toMatchObject({ status: 404, fromCache: true });
    now += 25 * 3_600_000;
    expect((await http.request({ url, kind: "fulltext" })).fromCache).toBe(false);
    expect(server.requests).toHaveLength(2);
  });

  it("serves offline from the cache, stale entries included, and names what is missing", async () => {
    const { server, client, cacheDir, log } = await setup([
      { path: FULLTEXT_PATH, response: { bodyFile: FULLTEXT_FIXTURE, headers: { "content-type": "application/xml" } } },
    ]);
    let now = Date.parse("2026-01-01T00:00:00Z");
    const url = server.url(FULLTEXT_PATH);
    await client({ cache: { dir: cacheDir, mode: "default" }, now: () => now }).request({ url, kind: "fulltext" });

    now += 365 * 86_400_000;
    const offline = client({ cache: { dir: cacheDir, mode: "offline" }, now: () => now });
    const response = await offline.request({ url, kind: "fulltext" });
    expect(response).toMatchObject({ status: 200, fromCache: true, stale: true });
    expect(response.body.equals(readFixture(FULLTEXT_FIXTURE))).toBe(true);
    expect(log.output()).toContain("offline: serving cached responses even where they are older than their TTL");

    const missing = server.url("/europepmc/webservices/rest/PMC0000001/fullTextXML?api_key=abc");
    const error = await rejection(offline.request({ url: missing, kind: "fulltext" }));
    expect(error.failure).toBe("offline-miss");
    expect(error.message).toBe(
      `offline: no cached response for ${server.url("/europepmc/webservices/rest/PMC0000001/fullTextXML?api_key=REDACTED")}`,
    );
    expect(server.requests).toHaveLength(1);
  });
});

describe("secrets", () => {
  const QUERY_KEY = "QUERY-SECRET-1234";
  const HEADER_KEY = "HEADER-SECRET-5678";
  const EMAIL = "someone@example.org";

  it("sends keys to their host but keeps them and the email out of cache files, logs, URLs and errors", async () => {
    const { server, client, cacheDir, log } = await setup([
      esearchRoute(),
      { path: "/missing", response: { status: 503 } },
    ]);
    const http = client({
      email: EMAIL,
      cache: { dir: cacheDir, mode: "default" },
      apiKeys: [
        { host: server.host, queryParam: "api_key", value: QUERY_KEY },
        { host: server.host, header: "x-api-key", value: HEADER_KEY },
      ],
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    });
    // Unpaywall-style: the caller itself puts the email in the query.
    const response = await http.request({ url: server.url(`${ESEARCH_PATH}?term=biopython&email=${EMAIL}`), kind: "search" });
    const error = await rejection(http.request({ url: server.url(`/missing?email=${EMAIL}`), kind: "search" }));

    const sent = server.requests[0]!;
    expect(sent.query.get("api_key")).toBe(QUERY_KEY);
    expect(sent.headers["x-api-key"]).toBe(HEADER_KEY);
    expect(sent.headers["user-agent"]).toContain(`mailto:${EMAIL}`);

    const leaks = [QUERY_KEY, HEADER_KEY, EMAIL, encodeURIComponent(EMAIL)];
    const places = { cache: cacheContents(cacheDir), log: log.output(), url: response.url, error: error.message };
    expect(places.log).toContain("email=REDACTED");
    for (const [place, text] of Object.entries(places)) {
      for (const secret of leaks) expect(text.includes(secret), `${secret} in ${place}`).toBe(false);
    }
  });

  it("shares cache entries between users with different keys and emails", async () => {
    const { server, client, cacheDir } = await setup([esearchRoute()]);
    const url = (email: string) => server.url(`${ESEARCH_PATH}?term=biopython&email=${email}`);
    await client({
      cache: { dir: cacheDir, mode: "default" },
      apiKeys: [{ host: server.host, queryParam: "api_key", value: "first-key" }],
    }).request({ url: url("a@example.org"), kind: "search" });
    const second = await client({
      cache: { dir: cacheDir, mode: "default" },
      apiKeys: [{ host: server.host, queryParam: "api_key", value: "second-key" }],
    }).request({ url: url("b@example.org"), kind: "search" });
    expect(second.fromCache).toBe(true);
    expect(server.requests).toHaveLength(1);
  });
});
