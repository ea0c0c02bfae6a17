// `search --source` and `fetch ID` over every source, as a user runs them, against replayed recordings.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";
import { SAMPLE, samplePaperPdf } from "./helpers/sample-pdf.js";
import { startScholarlyServers } from "./helpers/scholarly.js";
import { makeTempDir } from "./helpers/temp.js";

const XML = { "content-type": "text/xml" };
const JSON_TYPE = { "content-type": "application/json" };

describe("litreview search --source", () => {
  it("searches PubMed (esearch, then efetch for abstracts) and prints a table", async () => {
    // The recorded esearch's ids are replaced by the PMIDs of the recorded efetch, so both describe the same papers.
    const esearch = readFileSync("fixtures/api/ncbi-eutils/esearch-pubmed-biopython.xml", "utf8").replace(
      /<IdList>[\s\S]*<\/IdList>/,
      "<IdList><Id>11748933</Id><Id>11700088</Id></IdList>",
    );
    const servers = await startScholarlyServers({
      ncbi: [
        { path: "/esearch.fcgi", response: { body: esearch, headers: XML } },
        { path: "/efetch.fcgi", query: { db: "pubmed" }, response: { bodyFile: "api/ncbi-eutils/efetch-pubmed-11748933-11700088.xml", headers: XML } },
      ],
    });
    const result = await runCli(["search", "cryopreservation", "--source", "pubmed", "--limit", "2"], { env: servers.env });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("year\tid\taccess\ttitle");
    expect(lines.slice(1).map((line) => line.split("\t")[1])).toEqual(["pmid:11748933", "pmid:11700088"]);
    expect(result.stdout).toContain("Is cryopreservation a homogeneous process?");
    expect(servers.ncbi.requests.map((request) => request.query.get("tool"))).toEqual(["litreview", "litreview"]);
  });

  it("searches arXiv with its query syntax and lists records as JSON", async () => {
    const servers = await startScholarlyServers({
      arxiv: [{ path: "/query", response: { bodyFile: "api/arxiv/arxiv-query-search-testing-start0-max10.xml", headers: { "content-type": "application/atom+xml" } } }],
    });
    const result = await runCli(["search", "testing", "--source", "arxiv", "--limit", "10", "--format", "json"], { env: servers.env });
    expect(result.code).toBe(0);
    const records = JSON.parse(result.stdout) as { ids: { arxiv?: string }; openAccess: boolean }[];
    expect(records).toHaveLength(10);
    expect(records.every((record) => record.ids.arxiv && record.openAccess)).toBe(true);
    expect(servers.arxiv.requests[0]?.query.get("search_query")).toBe("all:testing");
  });

  it("skips OpenAlex with a notice when OPENALEX_API_KEY is not set, and sends the key when it is", async () => {
    const servers = await startScholarlyServers({
      openalex: [{ path: "/works", response: { bodyFile: "api/openalex/openalex-works-filter-title-search-chemistry-tools.json", headers: JSON_TYPE } }],
    });
    const without = await runCli(["search", "chemistry tools", "--source", "openalex", "--format", "json"], { env: servers.env });
    expect(without.code).toBe(0);
    expect(JSON.parse(without.stdout)).toEqual([]);
    expect(without.stderr).toContain("OpenAlex skipped: set OPENALEX_API_KEY to search it");
    expect(servers.openalex.requests).toHaveLength(0);

    const withKey = await runCli(["search", "chemistry tools", "--source", "openalex", "--format", "json"], {
      env: { ...servers.env, OPENALEX_API_KEY: "secret-test-key" },
    });
    expect(withKey.code).toBe(0);
    expect(JSON.parse(withKey.stdout)).toHaveLength(2);
    expect(servers.openalex.requests[0]?.query.get("api_key")).toBe("secret-test-key");
    expect(withKey.stderr).not.toContain("secret-test-key");
  });

  it("adds the open-access filter in Europe PMC's syntax with --open-access", async () => {
    const servers = await startScholarlyServers({
      europepmc: [{ path: "/search", response: { bodyFile: "api/europepmc/europepmc-search-cancer-core.json", headers: JSON_TYPE } }],
    });
    const result = await runCli(["search", "cancer", "--open-access", "--format", "json"], { env: servers.env });
    expect(result.code).toBe(0);
    expect(servers.europepmc.requests[0]?.query.get("query")).toBe("(cancer) AND OPEN_ACCESS:y");
    const records = JSON.parse(result.stdout) as { openAccess: boolean }[];
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((record) => record.openAccess)).toBe(true);
  });
});

describe("litreview fetch ID", () => {
  it("fetches a PMID's record from PubMed and its full text from PMC when Europe PMC has none", async () => {
    const servers = await startScholarlyServers({
      ncbi: [
        { path: "/efetch.fcgi", query: { db: "pubmed" }, response: { bodyFile: "api/ncbi-eutils/efetch-pubmed-27797938.xml", headers: XML } },
        // No PMC full text of this paper was recorded: a real PMC efetch answer is served under its PMCID.
        { path: "/efetch.fcgi", query: { db: "pmc", id: "5442267" }, response: { bodyFile: "jats/efetch-pmc-PMC8435807-correction.xml", headers: XML } },
      ],
    });
    const result = await runCli(["fetch", "27797938", "--format", "json"], { env: servers.env });
    expect(result.code).toBe(0);
    const paper = JSON.parse(result.stdout) as { record: { id: string; title: string; ids: Record<string, string> }; document: { access: string; accessReason: string } };
    expect(paper.record.id).toBe("pmid:27797938");
    expect(paper.record.title).toMatch(/^Leucocyte telomere length/);
    expect(paper.record.ids).toMatchObject({ pmid: "27797938", pmcid: "PMC5442267", doi: "10.1136/gutjnl-2016-312510" });
    expect(paper.document).toMatchObject({ access: "fulltext", accessReason: "full text from PMC" });
    expect(servers.europepmc.requestsTo("/europepmc/webservices/rest/PMC5442267/fullTextXML")).toHaveLength(1);
  });

  it("prints a PMID's abstract with a warning when no open-access full text exists", async () => {
    const servers = await startScholarlyServers({
      ncbi: [{ path: "/efetch.fcgi", query: { db: "pubmed" }, response: { bodyFile: "api/ncbi-eutils/efetch-pubmed-29963580.xml", headers: XML } }],
    });
    const result = await runCli(["fetch", "29963580"], { env: servers.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Development of a pulmonary imaging biomarker pipeline");
    expect(result.stderr).toMatch(/warn: only the abstract of 29963580 is available: no open-access full text \(Europe PMC: .*; PMC: .*\)/);
  });

  it("fetches an arXiv id's metadata from the arXiv API and tries its PDF", async () => {
    const servers = await startScholarlyServers({
      arxiv: [{ path: "/query", query: { id_list: "1605.08386" }, response: { bodyFile: "api/arxiv/arxiv-query-id-1605.08386.xml", headers: { "content-type": "application/atom+xml" } } }],
      arxivPdf: [{ path: "/1605.08386", response: { status: 404, body: "" } }],
    });
    const result = await runCli(["fetch", "arXiv:1605.08386v1", "--format", "json"], { env: servers.env });
    expect(servers.arxivPdf.requests).toHaveLength(1);
    expect(result.code).toBe(0);
    const paper = JSON.parse(result.stdout) as { record: { ids: Record<string, string>; title: string }; document: { access: string } };
    expect(paper.record.ids.arxiv).toBe("1605.08386");
    expect(paper.record.title).toBe("Heat-bath random walks with Markov bases");
    expect(paper.document.access).toBe("abstract-only");
  });

  it("says what was tried for a DOI nobody has, and refuses what is neither a file nor an identifier", async () => {
    const servers = await startScholarlyServers({
      europepmc: [{ path: "/search", response: { bodyFile: "api/europepmc/europepmc-search-no-results.json", headers: JSON_TYPE } }],
    });
    const doi = await runCli(["fetch", "10.1000/nothing-here"], { env: servers.env });
    expect(doi.code).toBe(1);
    expect(doi.stderr.trim().split("\n").at(-1)).toBe(
      "litreview: error: could not read 10.1000/nothing-here: no abstract and no open-access full text (Unpaywall: Unpaywall needs a contact address: set LITREVIEW_EMAIL)",
    );
    const neither = await runCli(["fetch", "no/such/article.xml"], { env: servers.env });
    expect(neither.code).toBe(2);
    expect(neither.stderr.trim()).toBe("litreview: error: no/such/article.xml is neither a file nor a PMCID, PMID, DOI or arXiv id");
  });

  it("reads a local PDF and prints its sections without the reference list", async () => {
    const file = join(makeTempDir(), "sample.pdf");
    writeFileSync(file, await samplePaperPdf());
    const result = await runCli(["fetch", file, "--format", "md"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(SAMPLE.title);
    for (const heading of ["Introduction", "Methods", "Results", "Discussion"]) expect(result.stdout).toMatch(new RegExp(`^#+ (\\d\\. )?${heading}$`, "m"));
    expect(result.stdout).toContain("mitochondria form a branched network");
    expect(result.stdout).not.toContain("Dynamin-related proteins at a glance");
  });
});

describe("the HTTP cache from the command line", () => {
  it("answers a repeated search from the cache, and --no-cache asks again", async () => {
    const servers = await startScholarlyServers({
      europepmc: [{ path: "/search", response: { bodyFile: "api/europepmc/europepmc-search-cancer-core.json", headers: JSON_TYPE } }],
    });
    const search = (...extra: string[]) => runCli(["search", "cancer", "--format", "json", ...extra], { env: servers.env });
    const first = await search();
    const second = await search();
    expect(second.stdout).toBe(first.stdout);
    expect(servers.europepmc.requests).toHaveLength(1);
    const bypass = await search("--no-cache");
    expect(bypass.stdout).toBe(first.stdout);
    expect(servers.europepmc.requests).toHaveLength(2);
    const contradiction = await search("--no-cache", "--offline");
    expect(contradiction.code).toBe(2);
    expect(contradiction.stderr.trim()).toBe("litreview: error: --offline answers only from the cache, so it cannot be combined with --no-cache");
  });
});
