// `ask` over the scholarly APIs: Europe PMC and PubMed replayed from real recorded responses.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { startReplayServer } from "./helpers/replay-server.js";
import { API_PATHS, startScholarlyServers, type ScholarlyServers } from "./helpers/scholarly.js";
import { makeTempDir } from "./helpers/temp.js";

const REST = API_PATHS.europepmc;
const QUESTION = "Does time-restricted eating improve cancer outcomes?";
/** The open-access record of the recorded Europe PMC search that matches the question best. */
const TRE_PMCID = "PMC12166167";

/**
 * PubMed's esearch as recorded, with its id list replaced by the one PMID whose efetch record we
 * hold (27797938), so that esearch and efetch describe the same paper.
 */
function esearchFor27797938(): string {
  const recorded = readFileSync("fixtures/api/ncbi-eutils/esearch-pubmed-biopython.xml", "utf8");
  return recorded.replace(/<Count>\d+<\/Count>/, "<Count>1</Count>").replace(/<IdList>[\s\S]*<\/IdList>/, "<IdList>\n<Id>27797938</Id>\n</IdList>");
}

async function scholarlyServers(): Promise<ScholarlyServers> {
  const servers = await startScholarlyServers({
    europepmc: [
      { path: "/search", response: { bodyFile: "api/europepmc/europepmc-search-cancer-core.json", headers: { "content-type": "application/json" } } },
      // No full text of a paper in the recorded search was recorded, so the one recorded Europe PMC
      // fullTextXML is served under this paper's PMCID: the test is about fetching and reading it.
      { path: `/${TRE_PMCID}/fullTextXML`, response: { bodyFile: "jats/europepmc-fulltextxml-PMC13205833.xml", headers: { "content-type": "application/xml" } } },
    ],
    ncbi: [
      { path: "/esearch.fcgi", response: { body: esearchFor27797938(), headers: { "content-type": "text/xml" } } },
      { path: "/efetch.fcgi", query: { db: "pubmed" }, response: { bodyFile: "api/ncbi-eutils/efetch-pubmed-27797938.xml", headers: { "content-type": "text/xml" } } },
    ],
  });
  servers.env.LITREVIEW_EMAIL = "reviewer@example.org";
  return servers;
}

interface ReviewJson {
  status: string;
  answer: string;
  references: { number: number; ids: Record<string, string>; title: string; access: string; accessReason?: string }[];
  findings: { citation: number; paperId: string }[];
  methods: {
    sources: { source: string; papers: number; error?: string }[];
    searches: { source: string; query: string; hits: number; returned: number }[];
    counts: Record<string, number>;
  };
}

describe("litreview ask over Europe PMC and PubMed", () => {
  it("searches both, merges, reads the best candidates' open-access full text and cites papers with their access", async () => {
    const { europepmc: europePmc, ncbi, env } = await scholarlyServers();
    const result = await runCli(["ask", QUESTION, "--no-llm", "--format", "json", "--fetch-limit", "3", "--search-limit", "25"], { env });
    expect(result.stderr).not.toMatch(/error|warn/i);
    expect(result.code).toBe(0);
    const review = JSON.parse(result.stdout) as ReviewJson;

    expect(review.methods.searches).toEqual([
      { source: "europepmc", query: '"time-restricted" AND eating AND improve AND cancer AND outcomes', hits: 5_059_039, returned: 25 },
      { source: "pubmed", query: '"time-restricted" AND eating AND improve AND cancer AND outcomes', hits: 1, returned: 1 },
      { source: "pubmed", query: '"time-restricted" OR eating OR improve OR cancer OR outcomes', hits: 1, returned: 1 },
    ]);
    expect(review.methods.counts).toMatchObject({ found: 27, papers: 26, fullTextSought: 3, fullText: 1 });
    expect(europePmc.requestsTo(`${REST}/search`)[0]?.query.get("resultType")).toBe("core");
    expect(europePmc.requestsTo(`${REST}/${TRE_PMCID}/fullTextXML`)).toHaveLength(1);
    for (const request of ncbi.requests) {
      expect(request.query.get("tool")).toBe("litreview");
      expect(request.query.get("email")).toBe("reviewer@example.org");
    }

    const numbers = review.references.map((reference) => reference.number);
    expect(numbers).toEqual(numbers.map((_, index) => index + 1));
    for (const finding of review.findings) expect(numbers).toContain(finding.citation);
    const timeRestricted = review.references.find((reference) => reference.ids.pmcid === TRE_PMCID);
    expect(timeRestricted).toMatchObject({
      title: "The Clinical Impact of Time-restricted Eating on Cancer: A Systematic Review.",
      access: "fulltext",
      accessReason: "full text from Europe PMC",
    });
  });

  it("fails with one clear line suggesting --library or --offline when no source can be reached", async () => {
    const closed = await startReplayServer();
    const url = closed.url("/");
    await closed.close();
    const env = { LITREVIEW_EUROPEPMC_URL: url, LITREVIEW_NCBI_URL: url, LITREVIEW_CACHE_DIR: makeTempDir() };
    const result = await runCli(["ask", QUESTION, "--no-llm"], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^litreview: error: could not search any source \(Europe PMC: .*connection was refused.*; PubMed: .*\); check the network, or work from local papers with --library PATH or from the cache with --offline$/,
    );
  });

  it("replays a review from the cache alone with --offline, and says so when the cache has nothing", async () => {
    const servers = await scholarlyServers();
    const args = ["ask", QUESTION, "--no-llm", "--format", "json", "--fetch-limit", "3", "--search-limit", "25"];
    const online = await runCli(args, { env: servers.env });
    expect(online.code).toBe(0);
    const requestsOnline = servers.europepmc.requests.length + servers.ncbi.requests.length;
    const offline = await runCli([...args, "--offline"], { env: servers.env });
    expect(offline.code).toBe(0);
    expect(servers.europepmc.requests.length + servers.ncbi.requests.length).toBe(requestsOnline);
    const comparable = (stdout: string) => {
      const { timings: _timings, generatedAt: _generatedAt, ...rest } = JSON.parse(stdout) as Record<string, unknown>;
      return rest;
    };
    expect(comparable(offline.stdout)).toEqual(comparable(online.stdout));

    const empty = await runCli([...args, "--offline"], { env: { ...servers.env, LITREVIEW_CACHE_DIR: makeTempDir() } });
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim()).toBe(
      "litreview: error: offline, and the cache holds no search for this question: run it once online first, or use --library PATH",
    );
  });

  it("searches the local library and the sources together", async () => {
    const { env } = await scholarlyServers();
    const result = await runCli(["ask", QUESTION, "--no-llm", "--format", "json", "--library", "fixtures/jats", "--search-limit", "25"], { env });
    expect(result.code).toBe(0);
    const review = JSON.parse(result.stdout) as ReviewJson;
    expect(review.methods.sources.map((source) => source.source)).toEqual(["local library", "Europe PMC", "PubMed"]);
    expect(review.methods.sources[0]?.papers).toBe(5);
    expect(review.methods.counts.papers).toBe(31);
  });

  it("retries a rate-limited source, goes on without one that answers garbage, and never expands an entity bomb", async () => {
    const levels = Array.from({ length: 9 }, (_, index) => `<!ENTITY lol${index + 1} "${`&lol${index};`.repeat(10)}">`).join("");
    const entityBomb = `<?xml version="1.0"?><!DOCTYPE pmc-articleset [<!ENTITY lol0 "lol">${levels}]><pmc-articleset><article><body><p>&lol9;</p></body></article></pmc-articleset>`;
    const servers = await startScholarlyServers({
      europepmc: [{ path: "/search", response: { bodyFile: "api/europepmc/europepmc-search-cancer-core.json" }, faults: [{ type: "malformed", times: 10 }] }],
      ncbi: [
        { path: "/esearch.fcgi", response: { body: esearchFor27797938(), headers: { "content-type": "text/xml" } }, faults: [{ type: "status", status: 429, retryAfter: "1" }] },
        { path: "/efetch.fcgi", query: { db: "pubmed" }, response: { bodyFile: "api/ncbi-eutils/efetch-pubmed-27797938.xml", headers: { "content-type": "text/xml" } } },
        { path: "/efetch.fcgi", query: { db: "pmc" }, response: { body: entityBomb, headers: { "content-type": "text/xml" } } },
      ],
    });
    const result = await runCli(["ask", "Is leucocyte telomere length a risk factor for pancreatic cancer?", "--no-llm", "--format", "json"], {
      env: servers.env,
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("litreview: warn: Europe PMC search failed, going on without it: Europe PMC returned malformed JSON");
    const esearches = servers.ncbi.requestsTo(`${API_PATHS.ncbi}/esearch.fcgi`);
    expect(esearches.length).toBeGreaterThanOrEqual(2);
    expect((esearches[1]?.receivedAt ?? 0) - (esearches[0]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(950);
    const review = JSON.parse(result.stdout) as ReviewJson;
    expect(review.methods.sources.find((source) => source.source === "Europe PMC")?.error).toBe("Europe PMC returned malformed JSON");
    const telomere = review.references.find((reference) => reference.ids.pmid === "27797938");
    expect(telomere?.access).toBe("abstract-only");
    expect(result.stdout).not.toContain("lollol");
  });
});
