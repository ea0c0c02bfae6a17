import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseJats } from "../src/fulltext/jats.js";
import { escapeInline } from "../src/review/markdown.js";
import { runCli } from "./helpers/cli.js";
import type { ReplayRoute } from "./helpers/replay-server.js";
import { startScholarlyServers } from "./helpers/scholarly.js";

const FULLTEXT_FIXTURE = "fixtures/jats/europepmc-fulltextxml-PMC13205833.xml";

/** A replay server for Europe PMC (routes under its base path), every other API on empty local servers. */
async function europePmc(routes: ReplayRoute[]) {
  const servers = await startScholarlyServers({ europepmc: routes });
  return { server: servers.europepmc, servers, env: servers.env };
}

const searchRoute = (extra: Partial<ReplayRoute> = {}): ReplayRoute => ({
  path: "/search",
  response: { bodyFile: "api/europepmc/europepmc-search-cancer-core.json", headers: { "content-type": "application/json" } },
  ...extra,
});

describe("litreview search --source europepmc", () => {
  it("prints the recorded search as JSON records with ids, title, year and open-access flag", async () => {
    const { server, env } = await europePmc([searchRoute()]);
    const result = await runCli(["search", "cancer", "--source", "europepmc", "--format", "json"], { env });
    expect(result.code).toBe(0);
    const records = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(records).toHaveLength(25);
    expect(records[0]).toMatchObject({
      id: "pmid:39709209",
      ids: { pmid: "39709209", doi: "10.1016/s0140-6736(24)02600-x" },
      title: "Abscopal response in a patient with fibrolamellar hepatocellular carcinoma following radiotherapy.",
      year: 2025,
      openAccess: false,
      foundBy: [{ source: "europepmc", query: "cancer" }],
    });
    expect(records.some((record) => record.openAccess === true)).toBe(true);
    const [request] = server.requests;
    expect(request?.url).toContain("query=cancer");
    expect(request?.url).toContain("resultType=core");
    expect(request?.url).toContain("cursorMark=*");
    expect(request?.headers["user-agent"]).toMatch(/^litreview\//);
  });

  it("rejects a bad --limit with exit code 2 before any request", async () => {
    const { server, env } = await europePmc([searchRoute()]);
    const result = await runCli(["search", "cancer", "--limit", "lots"], { env });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('litreview: error: invalid value for --limit: "lots"; allowed: a whole number from 1 to 10000');
    expect(server.requests).toHaveLength(0);
  });

  it("fails with one clear line on malformed JSON", async () => {
    const { env } = await europePmc([searchRoute({ response: { body: "{\"hitCount\": 3, \"resultList\": {", headers: { "content-type": "application/json" } } })]);
    const result = await runCli(["search", "cancer"], { env });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n").at(-1)).toBe("litreview: error: Europe PMC returned malformed JSON");
  });
});

describe("litreview fetch PMCID", () => {
  it("prints the Europe PMC full text with its headings and every body paragraph, and no reference-list text", async () => {
    const { env } = await europePmc([
      { path: "/PMC13205833/fullTextXML", response: { bodyFile: "jats/europepmc-fulltextxml-PMC13205833.xml", headers: { "content-type": "application/xml" } } },
    ]);
    const result = await runCli(["fetch", "PMC13205833", "--format", "md"], { env });
    expect(result.code).toBe(0);
    const expected = parseJats(readFileSync(FULLTEXT_FIXTURE, "utf8"), "PMC13205833");
    for (const section of expected.document.sections) {
      for (const heading of section.path) expect(result.stdout).toContain(`# ${escapeInline(heading)}\n`);
      for (const paragraph of section.paragraphs) expect(result.stdout).toContain(escapeInline(paragraph));
    }
    expect(result.stdout).not.toContain(escapeInline(expected.document.references[0]?.text ?? "missing"));
  });

  it("tries PMC after Europe PMC, and says plainly why neither had the full text", async () => {
    const { servers, env } = await europePmc([{ path: "/PMC1/fullTextXML", response: { status: 404, body: "" } }]);
    const result = await runCli(["fetch", "PMC1"], { env });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n").at(-1)).toBe(
      "litreview: error: could not read PMC1: no abstract and no open-access full text (Europe PMC: Europe PMC has no open-access full text for PMC1; PMC: PMC has no article PMC1)",
    );
    expect(servers.ncbi.requests[0]?.query.get("db")).toBe("pmc");
  });
});
