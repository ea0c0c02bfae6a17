import { describe, expect, it, onTestFinished } from "vitest";
import { createHttpClient } from "../src/http/client.js";
import { createLogger } from "../src/log.js";
import { runCli } from "./helpers/cli.js";
import { startReplayServer } from "./helpers/replay-server.js";
import { makeTempDir } from "./helpers/temp.js";

/** Fill a cache directory with one real recorded Europe PMC search response, through the real client. */
async function populatedCache(): Promise<string> {
  const server = await startReplayServer([
    {
      path: "/europepmc/webservices/rest/search",
      response: { bodyFile: "api/europepmc/europepmc-search-cancer-core.json", headers: { "content-type": "application/json" } },
    },
  ]);
  onTestFinished(() => server.close());
  const dir = makeTempDir("litreview-cache-");
  const client = createHttpClient({
    version: "0.1.0",
    logger: createLogger("silent"),
    cache: { dir, mode: "default" },
    hostLimits: { [server.host]: { minIntervalMs: 0, maxConcurrent: 4 } },
  });
  await client.request({ url: server.url("/europepmc/webservices/rest/search?query=cancer&format=json"), kind: "search" });
  await client.close();
  return dir;
}

describe("litreview cache", () => {
  it("reports what the cache holds, by kind, as text and as JSON", async () => {
    const dir = await populatedCache();
    const text = await runCli(["cache", "info", "--cache-dir", dir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`cache: ${dir}`);
    expect(text.stdout).toMatch(/entries: 1 \(\d+\.\d KB\)/);
    expect(text.stdout).toContain("\n  llm: 0 (0 B)\n");
    const json = await runCli(["cache", "info", "--json"], { env: { LITREVIEW_CACHE_DIR: dir } });
    expect(JSON.parse(json.stdout)).toMatchObject({ dir, entries: 1, byKind: { search: { entries: 1 }, fulltext: { entries: 0 }, llm: { entries: 0 } } });
  });

  it("clears entries older than a given age, then all of them", async () => {
    const dir = await populatedCache();
    const recent = await runCli(["cache", "clear", "--cache-dir", dir, "--older-than", "1"]);
    expect(recent.code).toBe(0);
    expect(recent.stdout).toMatch(/^removed 0 cached response\(s\)/);
    const all = await runCli(["cache", "clear", "--cache-dir", dir]);
    expect(all.stdout).toMatch(/^removed 1 cached response\(s\)/);
    const after = await runCli(["cache", "info", "--cache-dir", dir, "--json"]);
    expect(JSON.parse(after.stdout).entries).toBe(0);
  });

  it("rejects a bad --older-than with exit code 2", async () => {
    const result = await runCli(["cache", "clear", "--older-than", "soon", "--cache-dir", makeTempDir()]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('litreview: error: invalid value for --older-than: "soon"; allowed: a number of days, 0 or more');
  });
});
