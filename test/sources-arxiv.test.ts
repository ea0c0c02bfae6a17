import { describe, expect, it, onTestFinished } from "vitest";
import { cleanIds, recordIdFor } from "../src/fulltext/paper.js";
import { type SourceEndpoints, sourceHttpPolicy } from "../src/sources/context.js";
import { arxivPdfUrl, fetchArxivRecords, searchArxiv, toArxivQuery } from "../src/sources/arxiv.js";
import { readFixture, type ReplayRoute, startReplayServer } from "./helpers/replay-server.js";
import { replaySourceContext, testSourceContext } from "./helpers/sources.js";

const API = "/api";
const ATOM = { "content-type": "application/atom+xml; charset=utf-8" };
const fixture = (name: string) => `api/arxiv/${name}`;

const queryRoute = (response: ReplayRoute["response"], query?: Record<string, string>): ReplayRoute => ({
  path: `${API}/query`,
  response: { headers: ATOM, ...response },
  ...(query ? { query } : {}),
});

/** An arXiv replay server and a source context on it, without arXiv's 3-second pacing. */
function arxiv(routes: ReplayRoute[]) {
  return replaySourceContext("arxiv", API, routes);
}

describe("toArxivQuery", () => {
  it("searches plain words in all fields, joined with AND", () => {
    expect(toArxivQuery("electron spin")).toBe("all:electron AND all:spin");
    expect(toArxivQuery("  testing ")).toBe("all:testing");
  });

  it("keeps a query that already names a field", () => {
    expect(toArxivQuery("all:electron AND ti:spin")).toBe("all:electron AND ti:spin");
    expect(toArxivQuery("(cat:cs.LG OR cat:stat.ML) ANDNOT ti:survey")).toBe("(cat:cs.LG OR cat:stat.ML) ANDNOT ti:survey");
  });

  it("keeps phrases, operators and parentheses of a plain query", () => {
    expect(toArxivQuery('"graph neural network" survey')).toBe('all:"graph neural network" AND all:survey');
    expect(toArxivQuery("electron OR positron ANDNOT muon")).toBe("all:electron OR all:positron ANDNOT all:muon");
    expect(toArxivQuery("(quark OR gluon) plasma")).toBe("( all:quark OR all:gluon ) AND all:plasma");
  });

  it("drops operators with nothing to join, and a colon inside a word is not a field", () => {
    expect(toArxivQuery("AND plasma OR")).toBe("all:plasma");
    expect(toArxivQuery("ratio 3:1")).toBe("all:ratio AND all:3:1");
    expect(toArxivQuery("   ")).toBe("");
  });
});

describe("searchArxiv", () => {
  it("pages by start, continuing after a short page, and returns records with ids, DOI, journal and authors", async () => {
    const { server, context } = await arxiv([
      queryRoute({ bodyFile: fixture("arxiv-query-search-testing-start0-max10.xml") }, { start: "0" }),
      queryRoute({ bodyFile: fixture("arxiv-query-search-testing-start10-max10.xml") }, { start: "10" }),
    ]);
    const result = await searchArxiv(context, "testing", 20);

    expect(result).toMatchObject({ source: "arxiv", query: "all:testing", hitCount: 214881 });
    expect(result.records).toHaveLength(20);
    expect(server.requests.map((request) => [request.query.get("search_query"), request.query.get("start"), request.query.get("max_results")])).toEqual([
      ["all:testing", "0", "20"],
      ["all:testing", "10", "10"],
    ]);
    const [first] = result.records;
    expect(first).toEqual({
      id: "doi:10.1109/icstw55395.2022.00035",
      ids: { arxiv: "2202.12139", doi: "10.1109/ICSTW55395.2022.00035" },
      title: "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques",
      authors: [
        { family: "Ahuja", given: "Mohit Kumar" },
        { family: "Gotlieb", given: "Arnaud" },
        { family: "Spieker", given: "Helge" },
      ],
      year: 2022,
      journal: expect.stringMatching(/^Artificial Intelligence in Software Testing @ 2022 IEEE International Conference/) as unknown,
      abstract: expect.stringMatching(/^Deep Learning \(DL\) has revolutionized .* discuss its results\.$/) as unknown,
      openAccess: true,
      foundBy: [{ source: "arxiv", query: "all:testing" }],
      url: "https://arxiv.org/abs/2202.12139",
    });
    const withoutDoi = result.records.find((record) => record.ids.arxiv === "2503.05378");
    expect(withoutDoi).toMatchObject({ id: "arxiv:2503.05378", ids: { arxiv: "2503.05378" }, year: 2025, url: "https://arxiv.org/abs/2503.05378" });
    expect(withoutDoi?.journal).toBeUndefined();
    expect(result.records.map((record) => record.ids.arxiv)).toContain("2202.06271");
  });

  it("stops when the limit is reached or the source has no more", async () => {
    const { server, context } = await arxiv([queryRoute({ bodyFile: fixture("arxiv-query-id-1605.08386.xml") })]);
    expect((await searchArxiv(context, "ti:heat", 5)).records.map((record) => record.id)).toEqual(["arxiv:1605.08386"]);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.query.get("search_query")).toBe("ti:heat");
  });

  it("shows arXiv's own message when it rejects a query", async () => {
    const { context } = await arxiv([
      queryRoute({ status: 400, bodyFile: fixture("arxiv-query-id-abc-error-400.xml") }, { search_query: "all:abc" }),
      queryRoute({ bodyFile: fixture("arxiv-query-id-abc-error-400.xml") }, { search_query: "all:ok" }),
    ]);
    await expect(searchArxiv(context, "abc", 5)).rejects.toThrow(/^arXiv rejected the search: incorrect id format for abc$/);
    // The same error feed with HTTP 200 is still an error.
    await expect(searchArxiv(context, "ok", 5)).rejects.toThrow(/^arXiv rejected the search: incorrect id format for abc$/);
  });

  it("fails with one clear line on malformed Atom, a robot page, a bare 400 or a feed without totals", async () => {
    const feed = readFixture(fixture("arxiv-query-id-1605.08386.xml")).toString("utf8");
    const { context } = await arxiv([
      { ...queryRoute({ bodyFile: fixture("arxiv-query-search-testing-start0-max10.xml") }, { search_query: "all:broken" }), faults: [{ type: "malformed" }] },
      queryRoute({ status: 403, body: "<html><body>Access Denied</body></html>", headers: { "content-type": "text/html" } }, { search_query: "all:denied" }),
      queryRoute({ status: 400, body: "Bad Request", headers: { "content-type": "text/plain" } }, { search_query: "all:bad" }),
      queryRoute({ body: "<html><body>maintenance</body></html>" }, { search_query: "all:html" }),
      queryRoute({ body: feed.replace("<opensearch:totalResults>1</opensearch:totalResults>", "") }, { search_query: "all:untotalled" }),
    ]);
    await expect(searchArxiv(context, "broken", 5)).rejects.toThrow(/^arXiv returned malformed XML$/);
    await expect(searchArxiv(context, "denied", 5)).rejects.toThrow(/^arXiv search failed: HTTP 403$/);
    await expect(searchArxiv(context, "bad", 5)).rejects.toThrow(/^arXiv search failed: HTTP 400$/);
    await expect(searchArxiv(context, "html", 5)).rejects.toThrow(/^arXiv returned XML that is not an Atom feed$/);
    await expect(searchArxiv(context, "untotalled", 5)).rejects.toThrow(/^arXiv returned a feed in an unexpected shape$/);
  });

  it("refuses an empty query without asking arXiv", async () => {
    const { server, context } = await arxiv([]);
    await expect(searchArxiv(context, "  AND ", 5)).rejects.toThrow("an arXiv search needs at least one search term");
    expect(server.requests).toHaveLength(0);
  });
});

describe("arXiv pacing", () => {
  it("keeps two searches about 3 s apart when the client is built from sourceHttpPolicy", async () => {
    const server = await startReplayServer([queryRoute({ bodyFile: fixture("arxiv-query-search-testing-start0-max10.xml") })]);
    onTestFinished(() => server.close());
    const elsewhere = "http://127.0.0.1:9";
    const endpoints: SourceEndpoints = { europepmc: elsewhere, ncbi: elsewhere, openalex: elsewhere, arxiv: server.url(API), arxivPdf: elsewhere, unpaywall: elsewhere };
    const { context } = testSourceContext({ arxiv: server.url(API) }, { http: { ...sourceHttpPolicy(endpoints, {}) } });

    await Promise.all([searchArxiv(context, "testing", 10), searchArxiv(context, "quantum testing", 10)]);
    const [first, second] = server.requests;
    expect(server.requests).toHaveLength(2);
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(2900);
  });
});

describe("fetchArxivRecords", () => {
  it("fetches new-style, versioned and old-style ids, without the version in the record", async () => {
    const { server, context } = await arxiv([
      queryRoute({ bodyFile: fixture("arxiv-query-id-1605.08386.xml") }, { id_list: "1605.08386" }),
      queryRoute({ bodyFile: fixture("arxiv-query-id-2104.12255v1.xml") }, { id_list: "2104.12255" }),
      queryRoute({ bodyFile: fixture("arxiv-query-id-astro-ph-0601001.xml") }, { id_list: "astro-ph/0601001" }),
    ]);
    const [heatBath] = await fetchArxivRecords(context, ["1605.08386"]);
    expect(heatBath).toEqual({
      id: "arxiv:1605.08386",
      ids: { arxiv: "1605.08386" },
      title: "Heat-bath random walks with Markov bases",
      authors: [
        { family: "Stanley", given: "Caprice" },
        { family: "Windisch", given: "Tobias" },
      ],
      year: 2016,
      abstract: expect.stringMatching(/^Graphs on lattice points are studied .* is an expander in fixed dimension\.$/) as unknown,
      openAccess: true,
      foundBy: [{ source: "arxiv" }],
      url: "https://arxiv.org/abs/1605.08386",
    });

    const [zero] = await fetchArxivRecords(context, ["arXiv:2104.12255v1"]);
    expect(zero).toMatchObject({ id: "arxiv:2104.12255", ids: { arxiv: "2104.12255" }, title: "0", year: 2021 });

    const [jupiters] = await fetchArxivRecords(context, ["https://arxiv.org/abs/astro-ph/0601001v1"]);
    expect(jupiters).toMatchObject({
      id: "arxiv:astro-ph/0601001",
      ids: { arxiv: "astro-ph/0601001" },
      journal: "ActaAstron.56:1-50,2006",
      url: "https://arxiv.org/abs/astro-ph/0601001",
    });
    // The recorded summary starts with spaces and is wrapped over lines.
    expect(jupiters?.abstract).toMatch(/^We derive the frequencies of hot Jupiters/);
    expect(jupiters?.abstract).not.toMatch(/\s{2}|\n/);
    expect(jupiters?.abstract).toContain("Gould & Morgan (2003)");
    expect(server.requests.map((request) => request.query.get("max_results"))).toEqual(["1", "1", "1"]);
  });

  it("asks for several ids in one request; ids arXiv does not have are simply absent", async () => {
    const { server, context } = await arxiv([
      queryRoute({ bodyFile: fixture("arxiv-query-ids-0808.05394-1707.08567.xml") }, { id_list: "0808.05394,1707.08567" }),
      queryRoute({ bodyFile: fixture("arxiv-query-id-0000.0000-empty.xml") }, { id_list: "0000.0000" }),
    ]);
    const records = await fetchArxivRecords(context, ["0808.05394", "1707.08567", "1707.08567v1"]);
    expect(records.map((record) => record.id)).toEqual(["arxiv:1707.08567"]);
    expect(records[0]?.authors[0]).toEqual({ family: "Immink", given: "Kees A. Schouhamer" });
    expect(await fetchArxivRecords(context, ["0000.0000"])).toEqual([]);
    expect(server.requests).toHaveLength(2);
  });

  it("leaves out what is not an arXiv id, with a warning, and asks nothing for no ids", async () => {
    const { server, context, log } = await arxiv([queryRoute({ bodyFile: fixture("arxiv-query-id-1605.08386.xml") })]);
    expect(await fetchArxivRecords(context, [])).toEqual([]);
    expect(server.requests).toHaveLength(0);
    const records = await fetchArxivRecords(context, ["abc", "1605.08386"]);
    expect(records.map((record) => record.id)).toEqual(["arxiv:1605.08386"]);
    expect(server.requests[0]?.query.get("id_list")).toBe("1605.08386");
    expect(log.output()).toContain('skipped "abc": not an arXiv id');
  });

  it("skips an entry without a usable id and keeps the rest", async () => {
    const feed = readFixture(fixture("arxiv-query-ids-0808.05394-1707.08567.xml")).toString("utf8");
    const entry = /<entry>[\s\S]*<\/entry>/.exec(feed)?.[0] ?? "";
    const broken = entry.replace("<id>http://arxiv.org/abs/1707.08567v1</id>", "<id>http://arxiv.org/abs/nonsense</id>");
    const { context, log } = await arxiv([queryRoute({ body: feed.replace(entry, `${broken}${entry}`) })]);
    const records = await fetchArxivRecords(context, ["1707.08567"]);
    expect(records.map((record) => record.id)).toEqual(["arxiv:1707.08567"]);
    expect(log.output()).toContain("skipped a malformed arXiv entry");
  });

  it("fails with one clear line on a truncated feed", async () => {
    const { context } = await arxiv([{ ...queryRoute({ bodyFile: fixture("arxiv-query-id-1605.08386.xml") }), faults: [{ type: "malformed" }] }]);
    await expect(fetchArxivRecords(context, ["1605.08386"])).rejects.toThrow(/^arXiv returned malformed XML$/);
  });
});

describe("arxivPdfUrl", () => {
  it("points at the configured PDF host, without the version", () => {
    const { context } = testSourceContext({ arxivPdf: "https://arxiv.org/pdf" });
    expect(arxivPdfUrl(context, "arXiv:1605.08386v2")).toBe("https://arxiv.org/pdf/1605.08386");
    expect(arxivPdfUrl(context, "astro-ph/0601001")).toBe("https://arxiv.org/pdf/astro-ph/0601001");
    expect(() => arxivPdfUrl(context, "abc")).toThrow('"abc" is not an arXiv id');
  });
});

describe("arXiv ids in records", () => {
  it("normalises prefixes, URLs and versions, and keys a record by its arXiv id after PMID, PMCID and DOI", () => {
    expect(cleanIds({ arxiv: "arXiv:1605.08386v1" })).toEqual({ arxiv: "1605.08386" });
    expect(cleanIds({ arxiv: "http://arxiv.org/abs/astro-ph/0601001v1" })).toEqual({ arxiv: "astro-ph/0601001" });
    expect(cleanIds({ arxiv: "https://arxiv.org/pdf/2304.05376v5.pdf" })).toEqual({ arxiv: "2304.05376" });
    expect(cleanIds({ arxiv: "math.GT/0309136" })).toEqual({ arxiv: "math.GT/0309136" });
    expect(cleanIds({ arxiv: "abc" })).toEqual({});
    expect(recordIdFor({ arxiv: "1605.08386", local: "x.pdf" })).toBe("arxiv:1605.08386");
    expect(recordIdFor({ arxiv: "1605.08386", doi: "10.1/A" })).toBe("doi:10.1/a");
    expect(recordIdFor({ arxiv: "1605.08386", pmid: "1" })).toBe("pmid:1");
  });
});
