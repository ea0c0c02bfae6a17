import { describe, expect, it } from "vitest";

import { resolveConfig } from "../src/config.js";
import { HostLimiter, hostLimitFor, UNKNOWN_HOST_LIMIT } from "../src/http/host-limits.js";
import { backoffDelayMs, isRetryableErrorCode, isRetryableStatus, parseRetryAfterMs } from "../src/http/retry.js";
import { createSecrets } from "../src/http/secrets.js";
import { endpointsFromConfig, sourceHttpPolicy, type SourceEndpoints, type SourceKeys } from "../src/sources/context.js";

describe("Retry-After", () => {
  const now = Date.parse("2026-03-01T12:00:00Z");

  it("reads delta-seconds and HTTP dates", () => {
    expect(parseRetryAfterMs("120", now)).toBe(120_000);
    expect(parseRetryAfterMs(" 0 ", now)).toBe(0);
    expect(parseRetryAfterMs("Sun, 01 Mar 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfterMs("Sun, 01 Mar 2026 11:00:00 GMT", now)).toBe(0);
  });

  it("ignores what it cannot read, so the caller falls back to its own backoff", () => {
    for (const value of [undefined, "", "soon", "1.5", "-3", "2026-03-01"]) expect(parseRetryAfterMs(value, now)).toBeUndefined();
  });
});

describe("backoff", () => {
  const policy = { baseDelayMs: 1000, maxDelayMs: 60_000 };

  it("doubles per retry, with jitter over the upper half, up to the cap", () => {
    expect(backoffDelayMs(1, { ...policy, random: () => 0 })).toBe(500);
    expect(backoffDelayMs(1, { ...policy, random: () => 0.999_999 })).toBe(1000);
    expect(backoffDelayMs(3, { ...policy, random: () => 0 })).toBe(2000);
    expect(backoffDelayMs(20, { ...policy, random: () => 0.999_999 })).toBe(60_000);
  });

  it("retries rate limiting, server trouble and network failures only", () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 410, 422, 501].some(isRetryableStatus)).toBe(false);
    expect(isRetryableErrorCode("ECONNRESET")).toBe(true);
    expect(isRetryableErrorCode("UND_ERR_HEADERS_TIMEOUT")).toBe(true);
    expect(isRetryableErrorCode("ENOTFOUND")).toBe(false);
    expect(isRetryableErrorCode(undefined)).toBe(false);
  });
});

describe("host limits", () => {
  const policy = (endpoints: Partial<SourceEndpoints> = {}, keys: SourceKeys = {}) =>
    sourceHttpPolicy({ ...endpointsFromConfig(resolveConfig({ flags: {}, env: {}, cwd: "/nonexistent" })), ...endpoints }, keys);
  const at = (url: string, table = policy().hostLimits) => hostLimitFor(new URL(url), table);

  it("follows each API's published limits at its default host", () => {
    expect(at("https://export.arxiv.org/api/query")).toEqual({ minIntervalMs: 3000, maxConcurrent: 1 });
    expect(at("https://arxiv.org/pdf/1605.08386")).toEqual({ minIntervalMs: 3000, maxConcurrent: 1 });
    expect(at("https://www.ebi.ac.uk/europepmc/webservices/rest/search").minIntervalMs).toBe(200);
    expect(at("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esearch.fcgi").minIntervalMs).toBe(334);
    expect(at("https://api.openalex.org/works").minIntervalMs).toBe(100);
    expect(at("https://unknown.example.org/")).toEqual(UNKNOWN_HOST_LIMIT);
  });

  it("applies an API's limit and key at the host it is configured at, and lets NCBI go faster with a key", () => {
    const { hostLimits, apiKeys } = policy({ ncbi: "http://127.0.0.1:8080/eutils" }, { ncbi: "k1", openAlex: "k2" });
    expect(at("http://127.0.0.1:8080/eutils/esearch.fcgi", hostLimits).minIntervalMs).toBe(100);
    expect(at("http://127.0.0.1:9090/x", hostLimits)).toEqual(UNKNOWN_HOST_LIMIT);
    expect(apiKeys).toEqual([
      { host: "127.0.0.1:8080", queryParam: "api_key", value: "k1" },
      { host: "api.openalex.org", queryParam: "api_key", value: "k2" },
    ]);
  });

  it("gives two APIs behind one host the stricter limit", () => {
    const { hostLimits } = policy({ europepmc: "http://127.0.0.1:7000", arxiv: "http://127.0.0.1:7000/api" });
    expect(hostLimits["127.0.0.1:7000"]).toEqual({ minIntervalMs: 3000, maxConcurrent: 1 });
  });

  it("refuses nonsense limits", () => {
    expect(() => new HostLimiter({ "a.example": { minIntervalMs: -1, maxConcurrent: 1 } })).toThrow(/minIntervalMs/);
    expect(() => new HostLimiter({ "a.example": { minIntervalMs: 10, maxConcurrent: 0 } })).toThrow(/maxConcurrent/);
  });

  it("rejects requests still waiting for their turn when closed", async () => {
    const limiter = new HostLimiter({ "slow.example": { minIntervalMs: 10_000, maxConcurrent: 1 } });
    const url = new URL("https://slow.example/");
    const started: number[] = [];
    const first = limiter.schedule(url, async () => started.push(1));
    const second = limiter.schedule(url, async () => started.push(2));
    await first;
    limiter.close();
    await expect(second).rejects.toThrow("HTTP client closed");
    expect(started).toEqual([1]);
  });
});

describe("secrets", () => {
  const secrets = createSecrets(
    [
      { host: "eutils.ncbi.nlm.nih.gov", queryParam: "api_key", value: "ncbi-secret" },
      { host: "api.semanticscholar.org", header: "x-api-key", value: "s2-secret" },
      { host: "api.core.ac.uk", queryParam: "apiKey", value: "core-secret" },
    ],
    "me@example.org",
  );

  it("adds each key only for its own host, the way that host expects it", () => {
    const ncbi = secrets.applyKeys(new URL("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esearch.fcgi?term=x"), {});
    expect(ncbi.url.searchParams.get("api_key")).toBe("ncbi-secret");
    expect(ncbi.headers).toEqual({});
    const s2 = secrets.applyKeys(new URL("https://api.semanticscholar.org/graph/v1/paper/x"), { accept: "application/json" });
    expect(s2.headers).toEqual({ accept: "application/json", "x-api-key": "s2-secret" });
    const other = secrets.applyKeys(new URL("https://www.ebi.ac.uk/x"), {});
    expect(other.url.search).toBe("");
    expect(other.headers).toEqual({});
  });

  it("redacts keys, contact addresses and credentials in URLs and text", () => {
    const url = new URL("https://user:pw@api.core.ac.uk/v3/search?q=a&apiKey=core-secret&mailto=me@example.org&token=t");
    expect(secrets.redactUrl(url)).toBe("https://api.core.ac.uk/v3/search?q=a&apiKey=REDACTED&mailto=REDACTED&token=REDACTED");
    expect(secrets.keyFreeUrl(url)).toBe("https://api.core.ac.uk/v3/search?q=a");
    expect(secrets.redactText("failed: ncbi-secret for me%40example.org")).toBe("failed: REDACTED for REDACTED");
  });

  it("refuses keys that would corrupt a header or URL", () => {
    expect(() => createSecrets([{ host: "h.example", header: "x-api-key", value: "a b" }], undefined)).toThrow(/h\.example/);
    expect(() => createSecrets([{ host: "h.example", header: "x-api-key", value: "" }], undefined)).toThrow(/empty/);
  });
});
