import { describe, expect, it } from "vitest";
import { cleanIds, recordIdFor } from "../src/fulltext/paper.js";
import type { SourceKeys } from "../src/sources/context.js";
import {
  abstractFromInvertedIndex,
  fetchOpenAlexOpenAccessPdf,
  fetchOpenAlexReferences,
  fetchOpenAlexWork,
  searchOpenAlex,
} from "../src/sources/openalex.js";
import type { PaperRecord } from "../src/types.js";
import { readFixture, type ReplayRoute } from "./helpers/replay-server.js";
import { replaySourceContext } from "./helpers/sources.js";

const API = "/openalex";
const KEY = "test-openalex-key";
const JSON_HEADERS = { "content-type": "application/json" };
const SEARCH_FIXTURE = "api/openalex/openalex-works-filter-title-search-chemistry-tools.json";
const PNAS_FIXTURE = "api/openalex/openalex-work-doi-10.1073_pnas.1414271111.json";
const XGEN_FIXTURE = "api/openalex/openalex-work-doi-10.1016_j.xgen.2025.100814.json";
const SELECT_OA_FIXTURE = "api/openalex/openalex-work-doi-10.1021_acs.jctc.5b00178-select-open_access.json";
const NOT_FOUND_FIXTURE = "api/openalex/openalex-work-doi-not-found-404.html";

interface FixtureWork {
  id: string;
  referenced_works: string[];
  best_oa_location: unknown;
  locations: unknown[];
}
const fixtureJson = <T>(file: string) => JSON.parse(readFixture(file).toString("utf8")) as T;
const searchFixture = () => fixtureJson<{ meta: Record<string, unknown>; results: FixtureWork[] }>(SEARCH_FIXTURE);

const worksRoute = (response: ReplayRoute["response"], extra: Partial<ReplayRoute> = {}): ReplayRoute => ({
  path: `${API}/works`,
  response: { headers: JSON_HEADERS, ...response },
  ...extra,
});
const notFoundRoute = (path: string): ReplayRoute => ({
  path,
  response: { status: 404, bodyFile: NOT_FOUND_FIXTURE, headers: { "content-type": "text/html; charset=utf-8" } },
});

/** An OpenAlex replay server and a source context on it; the HTTP client adds the key, as in production. */
function openAlex(routes: ReplayRoute[], options: { keys?: SourceKeys; email?: string } = {}) {
  return replaySourceContext("openalex", API, routes, { keys: options.keys ?? { openAlex: KEY }, ...(options.email ? { email: options.email } : {}) });
}

describe("searchOpenAlex", () => {
  it("turns a recorded works list into records with ids, authors, journal, rebuilt abstract and counts", async () => {
    const { server, context } = await openAlex([worksRoute({ bodyFile: SEARCH_FIXTURE })], { email: "me@example.org" });
    const result = await searchOpenAlex(context, "chemistry tools", 25);

    expect(result).toMatchObject({ source: "openalex", query: "chemistry tools", hitCount: 2 });
    expect(result.records).toHaveLength(2);
    const [journalVersion, preprint] = result.records;
    expect(journalVersion).toMatchObject({
      id: "pmid:38799228",
      ids: { doi: "10.1038/s42256-024-00832-8", pmid: "38799228", openalex: "W4396723768" },
      title: "Augmenting large language models with chemistry tools",
      year: 2024,
      journal: "Nature Machine Intelligence",
      openAccess: true,
      retracted: false,
      citationCount: 236,
      foundBy: [{ source: "openalex", query: "chemistry tools" }],
      url: "https://doi.org/10.1038/s42256-024-00832-8",
    });
    expect(journalVersion?.authors.slice(0, 2)).toEqual([
      { family: "Bran", given: "Andres M." },
      { family: "Cox", given: "Sam" },
    ]);
    expect(journalVersion?.abstract).toMatch(/^Abstract Large language models \(LLMs\) have shown strong performance in tasks across domains/);
    expect(journalVersion?.abstract).toMatch(/bridging the gap between experimental and computational chemistry\.$/);
    expect(journalVersion?.abstract?.split(" ")).toHaveLength(142);
    // arXiv's DataCite DOI names the preprint, so the record carries its arXiv id too.
    expect(preprint).toMatchObject({
      id: "doi:10.48550/arxiv.2304.05376",
      ids: { doi: "10.48550/arxiv.2304.05376", arxiv: "2304.05376", openalex: "W4365597205" },
      journal: "arXiv (Cornell University)",
    });

    expect(server.requests).toHaveLength(1);
    const query = server.requests[0]?.query;
    expect(query?.get("search")).toBe("chemistry tools");
    expect(query?.get("per_page")).toBe("25");
    expect(query?.get("cursor")).toBe("*");
    expect(query?.get("mailto")).toBe("me@example.org");
    expect(query?.get("api_key")).toBe(KEY);
  });

  it("follows next_cursor until the limit, asking only for what is still missing", async () => {
    const firstPage = searchFixture();
    firstPage.meta.next_cursor = "Ilsx0NSJd";
    const { server, context } = await openAlex([
      worksRoute({ body: JSON.stringify(firstPage) }, { query: { cursor: "*" } }),
      worksRoute({ bodyFile: SEARCH_FIXTURE }, { query: { cursor: "Ilsx0NSJd" } }),
    ]);
    const result = await searchOpenAlex(context, "chemistry tools", 3);
    expect(result.records.map((record) => record.ids.openalex)).toEqual(["W4396723768", "W4365597205", "W4396723768"]);
    expect(server.requests.map((request) => [request.query.get("cursor"), request.query.get("per_page")])).toEqual([
      ["*", "3"],
      ["Ilsx0NSJd", "1"],
    ]);
  });

  it("stops at the limit although another page is offered, asks for at most 100, and stops when the cursor repeats", async () => {
    const page = searchFixture();
    page.meta.next_cursor = "Ilsx0NSJd";
    // Every request gets the same page, so the second page offers the cursor it was asked with.
    const { server, context } = await openAlex([worksRoute({ body: JSON.stringify(page) })]);
    expect((await searchOpenAlex(context, "chemistry tools", 1)).records).toHaveLength(1);
    expect((await searchOpenAlex(context, "chemistry tools", 2)).records).toHaveLength(2);
    expect((await searchOpenAlex(context, "chemistry tools", 500)).records).toHaveLength(4);
    expect(server.requests.map((request) => [request.query.get("cursor"), request.query.get("per_page")])).toEqual([
      ["*", "1"],
      ["*", "2"],
      ["*", "100"],
      ["Ilsx0NSJd", "100"],
    ]);
  });

  it("without OPENALEX_API_KEY sends nothing, says so once, and returns an empty result", async () => {
    const { server, context, log } = await openAlex([worksRoute({ bodyFile: SEARCH_FIXTURE })], { keys: {} });
    const result = await searchOpenAlex(context, "chemistry tools", 10);
    expect(result).toEqual({ source: "openalex", query: "chemistry tools", hitCount: 0, records: [] });
    expect(server.requests).toHaveLength(0);
    expect(log.output()).toBe("litreview: OpenAlex skipped: set OPENALEX_API_KEY to search it\n");
  });

  it("fails with one clear line on malformed JSON, and names the key on a refusal", async () => {
    const { context } = await openAlex([
      worksRoute({ bodyFile: SEARCH_FIXTURE }, { query: { search: "broken" }, faults: [{ type: "malformed" }] }),
      worksRoute({ bodyFile: SEARCH_FIXTURE }, { query: { search: "refused" }, faults: [{ type: "status", status: 403 }] }),
      worksRoute({ body: JSON.stringify({ results: "none" }) }, { query: { search: "odd" } }),
    ]);
    await expect(searchOpenAlex(context, "broken", 5)).rejects.toThrow(/^OpenAlex returned malformed JSON$/);
    await expect(searchOpenAlex(context, "refused", 5)).rejects.toThrow("OpenAlex search failed: HTTP 403 (check OPENALEX_API_KEY)");
    await expect(searchOpenAlex(context, "odd", 5)).rejects.toThrow("OpenAlex search returned a response in an unexpected shape");
  });

  it("skips a malformed work in a list and keeps the rest", async () => {
    const page = searchFixture();
    const body = { meta: page.meta, results: [{ id: 42, display_name: "not a work" }, page.results[0]] };
    const { context, log } = await openAlex([worksRoute({ body: JSON.stringify(body) })]);
    const result = await searchOpenAlex(context, "chemistry tools", 5);
    expect(result.records.map((record) => record.id)).toEqual(["pmid:38799228"]);
    expect(log.output()).toContain("skipped a malformed OpenAlex work");
  });
});

describe("fetchOpenAlexWork", () => {
  it("looks a work up by DOI, with PMID and PMCID taken from their URLs", async () => {
    const { server, context } = await openAlex([{ path: `${API}/works/doi:10.1073/pnas.1414271111`, response: { bodyFile: PNAS_FIXTURE, headers: JSON_HEADERS } }]);
    const record = await fetchOpenAlexWork(context, { doi: "https://doi.org/10.1073/pnas.1414271111" });
    expect(record).toMatchObject({
      id: "pmid:25349395",
      ids: { doi: "10.1073/pnas.1414271111", pmid: "25349395", pmcid: "PMC4234579", openalex: "W2109415576" },
      title: "Developing functional musculoskeletal tissues through hypoxia and lysyl oxidase-induced collagen cross-linking",
      authors: expect.arrayContaining([{ family: "Makris", given: "Eleftherios" }]) as unknown,
      year: 2014,
      journal: "Proceedings of the National Academy of Sciences",
      citationCount: 138,
      openAccess: true,
      foundBy: [{ source: "openalex" }],
    });
    expect(record?.abstract).toMatch(/^Significance The inadequate mechanical properties of engineered tissues have prevented/);
    expect(server.requests[0]?.query.has("select")).toBe(false);
  });

  it("looks a work up by OpenAlex id; a work without an abstract index has no abstract", async () => {
    const { server, context } = await openAlex([{ path: `${API}/works/W4408732759`, response: { bodyFile: XGEN_FIXTURE, headers: JSON_HEADERS } }]);
    const record = await fetchOpenAlexWork(context, { openalex: "https://openalex.org/W4408732759" });
    expect(record).toMatchObject({ id: "pmid:40120586", ids: { doi: "10.1016/j.xgen.2025.100814", openalex: "W4408732759" }, journal: "Cell Genomics" });
    expect(record?.abstract).toBeUndefined();
    expect(server.requests).toHaveLength(1);
  });

  it("returns undefined for a work OpenAlex does not have (its 404 is an HTML page)", async () => {
    const { context } = await openAlex([notFoundRoute(`${API}/works/doi:10.1234/does-not-exist`)]);
    expect(await fetchOpenAlexWork(context, { doi: "10.1234/does-not-exist" })).toBeUndefined();
  });

  it("fails clearly on malformed JSON and on a body that is not a work", async () => {
    const { context } = await openAlex([
      { path: `${API}/works/W2109415576`, response: { bodyFile: PNAS_FIXTURE, headers: JSON_HEADERS }, faults: [{ type: "malformed" }] },
      { path: `${API}/works/doi:10.1021/acs.jctc.5b00178`, response: { bodyFile: SELECT_OA_FIXTURE, headers: JSON_HEADERS } },
    ]);
    await expect(fetchOpenAlexWork(context, { openalex: "W2109415576" })).rejects.toThrow("OpenAlex returned malformed JSON");
    await expect(fetchOpenAlexWork(context, { doi: "10.1021/acs.jctc.5b00178" })).rejects.toThrow("OpenAlex returned a work in an unexpected shape");
    await expect(fetchOpenAlexWork(context, { doi: "not a doi" })).rejects.toThrow('cannot look up "not a doi" on OpenAlex: it is not a DOI');
  });
});

describe("fetchOpenAlexReferences", () => {
  const xgenReferences = () => fixtureJson<FixtureWork>(XGEN_FIXTURE).referenced_works.map((url) => url.replace("https://openalex.org/", ""));
  const xgen: PaperRecord = { id: "doi:10.1016/j.xgen.2025.100814", ids: { openalex: "W4408732759" }, title: "", authors: [], foundBy: [] };

  it("hydrates referenced_works with openalex_id filters of at most 50 ids", async () => {
    const { server, context } = await openAlex([
      { path: `${API}/works/W4408732759`, response: { bodyFile: XGEN_FIXTURE, headers: JSON_HEADERS } },
      worksRoute({ bodyFile: SEARCH_FIXTURE }),
    ]);
    const records = await fetchOpenAlexReferences(context, xgen, 100);

    expect(server.requestsTo(`${API}/works/W4408732759`)[0]?.query.get("select")).toBe("id,referenced_works");
    const lookups = server.requestsTo(`${API}/works`);
    const expected = xgenReferences();
    expect(expected).toHaveLength(59);
    expect(lookups.map((request) => request.query.get("filter"))).toEqual([
      `openalex_id:${expected.slice(0, 50).join("|")}`,
      `openalex_id:${expected.slice(50).join("|")}`,
    ]);
    expect(lookups.map((request) => request.query.get("per_page"))).toEqual(["50", "9"]);
    // Each lookup is answered with the same recorded list of two works.
    expect(records).toHaveLength(4);
    expect(records[0]).toMatchObject({ id: "pmid:38799228", foundBy: [{ source: "openalex", query: "references of W4408732759" }] });
  });

  it("asks for no more references than the limit, and looks a record up by DOI when it has no OpenAlex id", async () => {
    const { server, context } = await openAlex([
      { path: `${API}/works/doi:10.1016/j.xgen.2025.100814`, response: { bodyFile: XGEN_FIXTURE, headers: JSON_HEADERS } },
      worksRoute({ bodyFile: SEARCH_FIXTURE }),
    ]);
    const records = await fetchOpenAlexReferences(context, { ...xgen, ids: { doi: "10.1016/j.xgen.2025.100814" } }, 1);
    expect(records).toHaveLength(1);
    expect(server.requestsTo(`${API}/works`).map((request) => request.query.get("filter"))).toEqual([`openalex_id:${xgenReferences()[0]}`]);
  });

  it("returns nothing, without asking, for a record OpenAlex cannot address, and nothing for an unknown work", async () => {
    const { server, context } = await openAlex([notFoundRoute(`${API}/works/W1`)]);
    expect(await fetchOpenAlexReferences(context, { ...xgen, ids: { pmid: "123" } }, 10)).toEqual([]);
    expect(server.requests).toHaveLength(0);
    expect(await fetchOpenAlexReferences(context, "W1", 10)).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });
});

describe("fetchOpenAlexOpenAccessPdf", () => {
  it("prefers the best open-access location's PDF", async () => {
    const work = searchFixture().results[0];
    const { server, context } = await openAlex([
      { path: `${API}/works/doi:10.1038/s42256-024-00832-8`, response: { body: JSON.stringify(work), headers: JSON_HEADERS } },
    ]);
    expect(await fetchOpenAlexOpenAccessPdf(context, "10.1038/s42256-024-00832-8")).toBe("https://www.nature.com/articles/s42256-024-00832-8.pdf");
    expect(server.requests[0]?.query.get("select")).toBe("best_oa_location,locations");
  });

  it("falls back to any open-access location with a PDF when the best one has none", async () => {
    const { context } = await openAlex([{ path: `${API}/works/doi:10.1073/pnas.1414271111`, response: { bodyFile: PNAS_FIXTURE, headers: JSON_HEADERS } }]);
    expect(await fetchOpenAlexOpenAccessPdf(context, "10.1073/pnas.1414271111")).toBe("https://europepmc.org/articles/pmc4234579?pdf=render");
  });

  it("returns undefined when no location has a PDF, and for an unknown DOI", async () => {
    const { context } = await openAlex([
      { path: `${API}/works/doi:10.1021/acs.jctc.5b00178`, response: { bodyFile: SELECT_OA_FIXTURE, headers: JSON_HEADERS } },
      { path: `${API}/works/doi:10.1016/j.xgen.2025.100814`, response: { bodyFile: XGEN_FIXTURE, headers: JSON_HEADERS } },
      notFoundRoute(`${API}/works/doi:10.1234/does-not-exist`),
    ]);
    expect(await fetchOpenAlexOpenAccessPdf(context, "10.1021/acs.jctc.5b00178")).toBeUndefined();
    expect(await fetchOpenAlexOpenAccessPdf(context, "10.1016/j.xgen.2025.100814")).toBeUndefined();
    expect(await fetchOpenAlexOpenAccessPdf(context, "10.1234/does-not-exist")).toBeUndefined();
  });
});

describe("abstractFromInvertedIndex", () => {
  it("places every word at each of its positions", () => {
    expect(abstractFromInvertedIndex({ microbes: [1, 4], Gut: [0], shape: [2], the: [3] })).toBe("Gut microbes shape the microbes");
  });

  it("closes gaps in the positions instead of leaving holes", () => {
    expect(abstractFromInvertedIndex({ end: [900000000], start: [0], middle: [7] })).toBe("start middle end");
  });

  it("gives no abstract for an absent or empty index", () => {
    expect(abstractFromInvertedIndex(undefined)).toBeUndefined();
    expect(abstractFromInvertedIndex(null)).toBeUndefined();
    expect(abstractFromInvertedIndex({})).toBeUndefined();
  });
});

describe("OpenAlex ids in records", () => {
  it("normalises OpenAlex ids and uses them as the record key only when nothing better exists", () => {
    expect(cleanIds({ openalex: "https://openalex.org/w2741809807" })).toEqual({ openalex: "W2741809807" });
    expect(cleanIds({ openalex: "https://openalex.org/A5023888391" })).toEqual({});
    expect(recordIdFor({ openalex: "W1" })).toBe("openalex:W1");
    expect(recordIdFor({ openalex: "W1", arxiv: "2304.05376" })).toBe("arxiv:2304.05376");
    expect(recordIdFor({ openalex: "W1", doi: "10.1/X" })).toBe("doi:10.1/x");
    expect(recordIdFor({ openalex: "W1", local: "a.md" })).toBe("openalex:W1");
  });
});
