import { describe, expect, it, onTestFinished } from "vitest";
import { RunError } from "../src/errors.js";
import { createHttpClient } from "../src/http/client.js";
import { NoFullTextError, sourceHttpPolicy, type SourceContext, type SourceEndpoints, type SourceKeys } from "../src/sources/context.js";
import { fetchPmcFullText, fetchPubMedRecords, searchPubMed, summarisePubMed } from "../src/sources/ncbi.js";
import { readFixture, startReplayServer, type ReplayRoute } from "./helpers/replay-server.js";
import { capturedLogger, replaySourceContext } from "./helpers/sources.js";

const EUTILS = "/entrez/eutils";
const ESEARCH = `${EUTILS}/esearch.fcgi`;
const EFETCH = `${EUTILS}/efetch.fcgi`;
const ESUMMARY = `${EUTILS}/esummary.fcgi`;
const XML_HEADERS = { "content-type": "text/xml; charset=UTF-8" };
const FIXTURES = "api/ncbi-eutils";
const EMAIL = "reviewer@example.org";

const esearchRoute = (response: ReplayRoute["response"], query: Record<string, string> = {}): ReplayRoute => ({
  path: ESEARCH,
  query: { db: "pubmed", ...query },
  response: { headers: XML_HEADERS, ...response },
});
const efetchRoute = (response: ReplayRoute["response"], query: Record<string, string> = {}, extra: Partial<ReplayRoute> = {}): ReplayRoute => ({
  path: EFETCH,
  query: { db: "pubmed", ...query },
  response: { headers: XML_HEADERS, ...response },
  ...extra,
});
const pmcRoute = (response: ReplayRoute["response"], extra: Partial<ReplayRoute> = {}): ReplayRoute => ({
  path: EFETCH,
  query: { db: "pmc", id: "8435807" },
  response: { headers: XML_HEADERS, ...response },
  ...extra,
});

/**
 * An esearch answer in the shape of the recorded fixtures, for ids of our choosing: the recorded
 * searches list PMIDs for which no efetch record is recorded, so tests that need search hits to
 * come back as full records list the PMIDs of the recorded efetch sets instead.
 */
function esearchBody(count: number, ids: string[], retstart = 0): string {
  return (
    '<?xml version="1.0" encoding="UTF-8" ?>\n' +
    '<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n' +
    `<eSearchResult><Count>${count}</Count><RetMax>${ids.length}</RetMax><RetStart>${retstart}</RetStart><IdList>\n` +
    ids.map((id) => `<Id>${id}</Id>\n`).join("") +
    "</IdList><TranslationSet/><QueryTranslation>test</QueryTranslation></eSearchResult>\n"
  );
}

function fixtureText(path: string): string {
  return readFixture(path).toString("utf8");
}

/** A replay server for E-utilities and a source context pointing at it (no pacing, fast retries). */
function eutils(routes: ReplayRoute[], options: { email?: string } = { email: EMAIL }) {
  return replaySourceContext("ncbi", EUTILS, routes, options);
}

describe("searchPubMed", () => {
  it("asks esearch for the query by relevance, then efetch for exactly the ids found, naming the tool and contact", async () => {
    const { server, context } = await eutils([
      esearchRoute({ bodyFile: `${FIXTURES}/esearch-pubmed-biopython.xml` }),
      efetchRoute({ bodyFile: `${FIXTURES}/efetch-pubmed-11748933-11700088.xml` }),
    ]);
    const result = await searchPubMed(context, "biopython", 20);
    expect(result.source).toBe("pubmed");
    expect(result.hitCount).toBe(63);
    // efetch returned records for none of the 20 ids esearch found (the fixtures were recorded apart): nothing is invented.
    expect(result.records).toEqual([]);

    const [search, fetch, ...others] = server.requests;
    expect(others).toHaveLength(0);
    expect(search?.path).toBe(ESEARCH);
    expect(Object.fromEntries(search?.query ?? [])).toEqual({
      db: "pubmed",
      term: "biopython",
      retmax: "20",
      retstart: "0",
      sort: "relevance",
      tool: "litreview",
      email: EMAIL,
    });
    expect(fetch?.path).toBe(EFETCH);
    expect(fetch?.query.get("retmode")).toBe("xml");
    expect(fetch?.query.get("tool")).toBe("litreview");
    expect(fetch?.query.get("email")).toBe(EMAIL);
    const ids = fetch?.query.get("id")?.split(",") ?? [];
    expect(ids).toHaveLength(20);
    expect([ids[0], ids[19]]).toEqual(["41282813", "37810457"]);
    expect(fetch?.query.has("api_key")).toBe(false);
  });

  it("leaves out the email parameter when no contact address is configured", async () => {
    const { server, context } = await eutils([esearchRoute({ bodyFile: `${FIXTURES}/esearch-protein-no-results.xml` })], {});
    await searchPubMed(context, "abcXYZ", 5);
    expect(server.requests[0]?.query.get("tool")).toBe("litreview");
    expect(server.requests[0]?.query.has("email")).toBe(false);
  });

  it("returns full records with abstracts in esearch's order, dropping ids efetch has no record for", async () => {
    const { context } = await eutils([
      esearchRoute({ body: esearchBody(3, ["11700088", "40000000", "11748933"]) }),
      efetchRoute({ bodyFile: `${FIXTURES}/efetch-pubmed-11748933-11700088.xml` }, { id: "11700088,40000000,11748933" }),
    ]);
    const result = await searchPubMed(context, "cryopreservation OR 13C imaging", 10);
    expect(result.hitCount).toBe(3);
    expect(result.records.map((record) => record.id)).toEqual(["pmid:11700088", "pmid:11748933"]);
    const [mri, cryo] = result.records;
    expect(mri).toEqual({
      id: "pmid:11700088",
      ids: { pmid: "11700088", doi: "10.1006/jmre.2001.2429" },
      title: "Proton MRI of (13)C distribution by J and chemical shift editing.",
      authors: [
        { family: "Casieri", given: "C" },
        { family: "Testa", given: "C" },
        { family: "Carpinelli", given: "G" },
        { family: "Canese", given: "R" },
        { family: "Podo", given: "F" },
        { family: "De Luca", given: "F" },
      ],
      year: 2001,
      journal: "Journal of magnetic resonance (San Diego, Calif. : 1997)",
      abstract: expect.stringMatching(/^The sensitivity of \(13\)C NMR imaging .* glucose and lactic and glutamic acid in water\.$/),
      retracted: false,
      foundBy: [{ source: "pubmed", query: "cryopreservation OR 13C imaging" }],
      url: "https://doi.org/10.1006/jmre.2001.2429",
    });
    // The copyright line sits inside <Abstract> but is not part of it.
    expect(mri?.abstract).not.toContain("Copyright");
    expect(cryo?.authors[0]).toEqual({ family: "Taddei", given: "A R" });
    expect(cryo?.abstract).toContain("(P < 0.001)");
  });

  it("pages esearch with retstart past 200 ids and fetches the records 200 ids at a time", async () => {
    const firstPage = Array.from({ length: 200 }, (_, index) => String(30_000_000 + index));
    firstPage[5] = "11748933";
    const secondPage = Array.from({ length: 30 }, (_, index) => String(31_000_000 + index));
    secondPage[10] = "11700088";
    const { server, context } = await eutils([
      esearchRoute({ body: esearchBody(230, firstPage) }, { retstart: "0" }),
      esearchRoute({ body: esearchBody(230, secondPage, 200) }, { retstart: "200" }),
      efetchRoute({ bodyFile: `${FIXTURES}/efetch-pubmed-11748933-11700088.xml` }),
    ]);
    const result = await searchPubMed(context, "sperm", 250);
    expect(result.hitCount).toBe(230);
    expect(result.records.map((record) => record.ids.pmid)).toEqual(["11748933", "11700088"]);
    const searches = server.requestsTo(ESEARCH);
    expect(searches.map((request) => [request.query.get("retstart"), request.query.get("retmax")])).toEqual([
      ["0", "200"],
      ["200", "50"],
    ]);
    const fetches = server.requestsTo(EFETCH).map((request) => request.query.get("id")?.split(",") ?? []);
    expect(fetches.map((ids) => ids.length)).toEqual([200, 30]);
    expect(fetches.flat()).toEqual([...firstPage, ...secondPage]);
  });

  it("returns an empty result, without fetching, when PubMed finds nothing (Count 0 with PhraseNotFound)", async () => {
    const { server, context } = await eutils([esearchRoute({ bodyFile: `${FIXTURES}/esearch-protein-no-results.xml` })]);
    expect(await searchPubMed(context, "abcXYZ", 20)).toEqual({ source: "pubmed", query: "abcXYZ", hitCount: 0, records: [] });
    expect(server.requests).toHaveLength(1);
  });

  it("returns an empty result and warns when esearch answers with an <ERROR>", async () => {
    // Not recorded: the documented shape of esearch's error answer (HTTP 200, an <ERROR> in <eSearchResult>).
    const body = '<?xml version="1.0" encoding="UTF-8" ?>\n<eSearchResult><ERROR>Empty term and query_key - nothing todo</ERROR></eSearchResult>\n';
    const { server, context, log } = await eutils([esearchRoute({ body })]);
    expect(await searchPubMed(context, "   ", 20)).toMatchObject({ hitCount: 0, records: [] });
    expect(server.requests).toHaveLength(1);
    expect(log.output()).toContain("PubMed could not run the search");
    expect(log.output()).toContain("Empty term and query_key - nothing todo");
  });

  it("fails with NCBI's own message when esearch answers 400 with a JSON error", async () => {
    // Not recorded: NCBI's JSON error body, as it answers a request with a bad API key.
    const { context } = await eutils([esearchRoute({ status: 400, body: '{"error":"API key invalid"}', headers: { "content-type": "application/json" } })]);
    const failure = searchPubMed(context, "biopython", 20);
    await expect(failure).rejects.toBeInstanceOf(RunError);
    await expect(failure).rejects.toThrow(/^PubMed search failed \(HTTP 400\): API key invalid$/);
  });

  it("fails with NCBI's own message when efetch answers 400 with an XML error", async () => {
    const { context } = await eutils([
      esearchRoute({ bodyFile: `${FIXTURES}/esearch-pubmed-biopython.xml` }),
      efetchRoute({ status: 400, body: '<?xml version="1.0" ?>\n<eFetchResult><ERROR>Invalid id list</ERROR></eFetchResult>' }),
    ]);
    await expect(searchPubMed(context, "biopython", 20)).rejects.toThrow(/^PubMed efetch failed \(HTTP 400\): Invalid id list$/);
  });

  it("fails with one clear error when efetch sends malformed XML", async () => {
    const { context } = await eutils([
      esearchRoute({ bodyFile: `${FIXTURES}/esearch-pubmed-biopython.xml` }),
      efetchRoute({ bodyFile: `${FIXTURES}/efetch-pubmed-27797938.xml` }, {}, { faults: [{ type: "malformed" }] }),
    ]);
    const failure = searchPubMed(context, "biopython", 20);
    await expect(failure).rejects.toBeInstanceOf(RunError);
    await expect(failure).rejects.toThrow(/^PubMed returned malformed XML$/);
  });

  it("retries an efetch batch that fails with 500 and returns its records", async () => {
    const { server, context } = await eutils([
      esearchRoute({ body: esearchBody(2, ["11748933", "11700088"]) }),
      efetchRoute({ bodyFile: `${FIXTURES}/efetch-pubmed-11748933-11700088.xml` }, {}, { faults: [{ type: "status", status: 500 }] }),
    ]);
    const result = await searchPubMed(context, "sperm", 10);
    expect(result.records.map((record) => record.id)).toEqual(["pmid:11748933", "pmid:11700088"]);
    expect(server.requestsTo(EFETCH)).toHaveLength(2);
  });
});

describe("fetchPubMedRecords", () => {
  const fetchOne = async (pmid: string, bodyFile: string) => {
    const { server, context } = await eutils([efetchRoute({ bodyFile: `${FIXTURES}/${bodyFile}` }, { id: pmid })]);
    const records = await fetchPubMedRecords(context, [pmid]);
    expect(server.requests).toHaveLength(1);
    return records;
  };

  it("reads a structured abstract as LABEL: text, drops inline markup, and takes the DOI and PMCID", async () => {
    const [record, ...others] = await fetchOne("27797938", "efetch-pubmed-27797938.xml");
    expect(others).toHaveLength(0);
    expect(record).toMatchObject({
      id: "pmid:27797938",
      ids: { pmid: "27797938", doi: "10.1136/gutjnl-2016-312510", pmcid: "PMC5442267" },
      title: "Leucocyte telomere length, genetic variants at the TERT gene region and risk of pancreatic cancer.",
      year: 2017,
      journal: "Gut",
      openAccess: true,
      retracted: false,
      foundBy: [{ source: "pubmed" }],
    });
    expect(record?.abstract).toMatch(/^OBJECTIVE: Telomere shortening occurs as an early event in pancreatic tumorigenesis, and genetic variants at the telomerase reverse transcriptase \(TERT\) gene region/);
    expect(record?.abstract).toContain(" DESIGN: We measured prediagnostic leucocyte telomere length");
    expect(record?.abstract).toContain(" RESULTS: Shorter prediagnostic leucocyte telomere length");
    expect(record?.abstract).toContain("linkage disequilibrium r2<0.25");
    expect(record?.abstract).toMatch(/ CONCLUSIONS: Prediagnostic leucocyte telomere length and genetic variants at the TERT gene region were associated with risk of pancreatic cancer\.$/);
    // Reference-list PMIDs and ids in the same file are not the article's own.
    expect(record?.ids).toEqual({ pmid: "27797938", doi: "10.1136/gutjnl-2016-312510", pmcid: "PMC5442267" });
  });

  it("keeps a collective author as a family name", async () => {
    const [record] = await fetchOne("29963580", "efetch-pubmed-29963580.xml");
    expect(record?.authors[0]).toEqual({ family: "Guo", given: "Fumin" });
    expect(record?.authors.at(-1)).toEqual({ family: "Canadian Respiratory Research Network" });
    expect(record).toMatchObject({ ids: { pmcid: "PMC6022861", doi: "10.1117/1.JMI.5.2.026002" }, year: 2018, openAccess: true });
  });

  it("decodes character references and reads pretty-printed XML", async () => {
    const [record] = await fetchOne("29768149", "pubmed-xml-29768149.xml");
    expect(record).toMatchObject({
      title: "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma.",
      year: 2018,
      journal: "The New England journal of medicine",
      ids: { pmid: "29768149", doi: "10.1056/NEJMoa1715274" },
    });
    expect(record?.abstract).toMatch(/^BACKGROUND: In patients with mild asthma, as-needed use of an inhaled glucocorticoid plus a fast-acting β/);
    expect(record?.abstract).not.toMatch(/\s{2}|&#/);
    expect(record?.openAccess).toBeUndefined();
  });

  it("returns records in the order asked, without an abstract where PubMed has none", async () => {
    const { server, context } = await eutils([efetchRoute({ bodyFile: `${FIXTURES}/efetch-pubmed-12091962-9997.xml` })]);
    const records = await fetchPubMedRecords(context, ["9997", "12091962", "9997"]);
    expect(records.map((record) => record.id)).toEqual(["pmid:9997", "pmid:12091962"]);
    expect(server.requests[0]?.query.get("id")).toBe("9997,12091962");
    const [flavocytochrome, aids] = records;
    expect(flavocytochrome).toMatchObject({ year: 1976, ids: { doi: "10.1016/0005-2795(76)90109-4" }, authors: [{ family: "Strekas", given: "T C" }] });
    // A year with a season and no month still counts.
    expect(aids).toMatchObject({ title: "The treatment of AIDS behind the walls of correctional facilities.", year: 1990 });
    expect(aids).not.toHaveProperty("abstract");
  });

  it("marks retracted publications, reads the year of a MedlineDate and leaves out author names flagged invalid", async () => {
    // No recorded record is retracted, dated by MedlineDate or has an invalid author name, so all are set on a recorded one.
    const original = fixtureText(`${FIXTURES}/efetch-pubmed-11748933-11700088.xml`);
    const derived = original
      .replace('<PublicationType UI="D016428">Journal Article</PublicationType>', '<PublicationType UI="D016428">Journal Article</PublicationType><PublicationType UI="D016441">Retracted Publication</PublicationType>')
      .replace("<PubDate><Year>2001</Year><Month>Jun</Month></PubDate>", "<PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate>")
      .replace('<Author ValidYN="Y"><LastName>Taddei</LastName>', '<Author ValidYN="N"><LastName>Taddei</LastName>');
    expect(derived.length).toBeGreaterThan(original.length);
    expect(derived).toContain("<MedlineDate>");
    const { context } = await eutils([efetchRoute({ body: derived })]);
    const [cryo, mri] = await fetchPubMedRecords(context, ["11748933", "11700088"]);
    expect(cryo).toMatchObject({ id: "pmid:11748933", retracted: true, year: 1998 });
    expect(cryo?.authors.map((author) => author.family)).toEqual(["Barbato", "Abelli", "Canese", "Moretti", "Rana", "Fausto", "Mazzini"]);
    expect(mri).toMatchObject({ id: "pmid:11700088", retracted: false, year: 2001 });
  });

  it("skips a record it cannot read and keeps the others", async () => {
    // A record without its PMID cannot be keyed or cited; derived from a recorded set by removing one.
    const derived = fixtureText(`${FIXTURES}/efetch-pubmed-11748933-11700088.xml`).replace('<PMID Version="1">11748933</PMID>', "");
    const { context, log } = await eutils([efetchRoute({ body: derived })]);
    const records = await fetchPubMedRecords(context, ["11748933", "11700088"]);
    expect(records.map((record) => record.id)).toEqual(["pmid:11700088"]);
    expect(log.output()).toContain("skipped a malformed PubMed record");
  });

  it("reads a Bookshelf chapter, which PubMed searches also return", async () => {
    // Hand-written after the PubMed DTD (pubmed_250101.dtd: PubmedBookArticle/BookDocument); no book record is recorded.
    const body = `<?xml version="1.0" ?>
<PubmedArticleSet><PubmedBookArticle><BookDocument><PMID Version="1">99999991</PMID>
<ArticleIdList><ArticleId IdType="bookaccession">NBK000001</ArticleId></ArticleIdList>
<Book><Publisher><PublisherName>Test Publishing</PublisherName></Publisher><BookTitle book="testbook">A Handbook for Tests</BookTitle>
<PubDate><Year>2024</Year><Month>01</Month></PubDate>
<AuthorList Type="editors"><Author><LastName>Editor</LastName><ForeName>Ed</ForeName></Author></AuthorList></Book>
<ArticleTitle book="testbook" part="ch1">Chapter One</ArticleTitle>
<AuthorList Type="authors"><Author><LastName>Writer</LastName><ForeName>Wanda</ForeName></Author></AuthorList>
<PublicationType UI="D016454">Review</PublicationType>
<Abstract><AbstractText Label="INTRODUCTION">What the chapter covers.</AbstractText></Abstract>
</BookDocument><PubmedBookData><PublicationStatus>ppublish</PublicationStatus><ArticleIdList><ArticleId IdType="pubmed">99999991</ArticleId></ArticleIdList></PubmedBookData></PubmedBookArticle></PubmedArticleSet>`;
    const { context } = await eutils([efetchRoute({ body })]);
    expect(await fetchPubMedRecords(context, ["99999991"])).toEqual([
      {
        id: "pmid:99999991",
        ids: { pmid: "99999991" },
        title: "Chapter One",
        authors: [{ family: "Writer", given: "Wanda" }],
        year: 2024,
        journal: "A Handbook for Tests",
        abstract: "INTRODUCTION: What the chapter covers.",
        retracted: false,
        foundBy: [{ source: "pubmed" }],
        url: "https://pubmed.ncbi.nlm.nih.gov/99999991/",
      },
    ]);
  });

  it("refuses ids that are not PMIDs before any request, and asks nothing for an empty list", async () => {
    const { server, context } = await eutils([efetchRoute({ bodyFile: `${FIXTURES}/efetch-pubmed-12091962-9997.xml` })]);
    await expect(fetchPubMedRecords(context, ["9997", "PMC123"])).rejects.toThrow('not a PubMed id: "PMC123"');
    expect(await fetchPubMedRecords(context, [])).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });
});

describe("summarisePubMed", () => {
  it("reads esummary DocSums into records without abstracts", async () => {
    const { server, context } = await eutils([
      { path: ESUMMARY, query: { db: "pubmed" }, response: { bodyFile: `${FIXTURES}/esummary-pubmed-11850928-11482001.xml`, headers: XML_HEADERS } },
    ]);
    const records = await summarisePubMed(context, ["11850928", "11482001"]);
    expect(records).toEqual([
      {
        id: "pmid:11850928",
        ids: { pmid: "11850928" },
        title: "Zirconium granuloma following treatment of rhus dermatitis.",
        authors: [
          { family: "LoPresti", given: "PJ" },
          { family: "Hambrick", given: "GW" },
        ],
        year: 1965,
        journal: "Archives of dermatology",
        retracted: false,
        foundBy: [{ source: "pubmed" }],
        url: "https://pubmed.ncbi.nlm.nih.gov/11850928/",
      },
      {
        id: "pmid:11482001",
        ids: { pmid: "11482001" },
        title: "Adverse and beneficial effects of plant extracts on skin and skin disorders.",
        authors: [
          { family: "Mantle", given: "D" },
          { family: "Gok", given: "MA" },
          { family: "Lennard", given: "TW" },
        ],
        year: 2001,
        journal: "Adverse drug reactions and toxicological reviews",
        retracted: false,
        foundBy: [{ source: "pubmed" }],
        url: "https://pubmed.ncbi.nlm.nih.gov/11482001/",
      },
    ]);
    expect(Object.fromEntries(server.requests[0]?.query ?? [])).toEqual({ db: "pubmed", id: "11850928,11482001", tool: "litreview", email: EMAIL });
  });
});

describe("fetchPmcFullText", () => {
  const PMC_FIXTURE = "jats/efetch-pmc-PMC8435807-correction.xml";

  it("reads the JATS article of a PMC efetch as full text", async () => {
    const { server, context } = await eutils([pmcRoute({ bodyFile: PMC_FIXTURE })]);
    const paper = await fetchPmcFullText(context, "PMC8435807");
    expect(Object.fromEntries(server.requests[0]?.query ?? [])).toEqual({ db: "pmc", id: "8435807", retmode: "xml", tool: "litreview", email: EMAIL });
    expect(paper.record).toMatchObject({
      id: "pmid:34527728",
      ids: { pmid: "34527728", pmcid: "PMC8435807", doi: "10.1183/23120541.50193-2021" },
      journal: "ERJ Open Research",
      year: 2021,
      foundBy: [{ source: "pmc" }],
    });
    expect(paper.record.ids).not.toHaveProperty("local");
    expect(paper.document.paperId).toBe("pmid:34527728");
    expect(paper.document.access).toBe("fulltext");
    expect(paper.document.sections.flatMap((section) => section.paragraphs)).toEqual([
      "This article was originally published with an error in table 2. The upper 95% confidence limit of the per cent difference in the primary end-point (diffusing capacity of the lung for nitric oxide) was incorrectly given as 15.1% and has now been corrected to −15.1% in the published article.",
    ]);
  });

  it("says PMC has no full text when the publisher allows only the front matter", async () => {
    // No front-matter-only answer is recorded; PMC sends one by leaving out <body> and saying why in a
    // comment, so the recorded article is served that way.
    const frontOnly = fixtureText(PMC_FIXTURE).replace(
      /<body>[\s\S]*<\/body>/,
      "<!-- The publisher of this article does not allow downloading of the full text in XML form. -->",
    );
    expect(frontOnly).not.toContain("<body>");
    const { context } = await eutils([pmcRoute({ body: frontOnly })]);
    const failure = fetchPmcFullText(context, "PMC8435807");
    await expect(failure).rejects.toBeInstanceOf(NoFullTextError);
    await expect(failure).rejects.toThrow(/^PMC has no full-text XML for PMC8435807 \(publisher allows front matter only\)$/);
  });

  it("says PMC has no full text for an empty body too", async () => {
    const emptyBody = fixtureText(PMC_FIXTURE).replace(/<body>[\s\S]*<\/body>/, "<body>\n  </body>");
    const { context } = await eutils([pmcRoute({ body: emptyBody })]);
    await expect(fetchPmcFullText(context, "8435807")).rejects.toThrow(NoFullTextError);
  });

  it("says PMC has no such article for an empty article set, an <ERROR> answer or a 404", async () => {
    // Not recorded: efetch's answers for ids PMC does not hold, in the shape of the recorded article set.
    const empty = '<?xml version="1.0" ?>\n<pmc-articleset></pmc-articleset>';
    const error = '<?xml version="1.0" ?>\n<pmc-articleset><ERROR>Invalid uid 8435807 at position=0</ERROR></pmc-articleset>';
    for (const [route, message] of [
      [pmcRoute({ body: empty }), /^PMC has no article PMC8435807$/],
      [pmcRoute({ body: error }), /^PMC has no article PMC8435807: Invalid uid 8435807 at position=0$/],
      [pmcRoute({ status: 404, body: "Not Found" }), /^PMC has no article PMC8435807$/],
    ] as const) {
      const { context } = await eutils([route]);
      const failure = fetchPmcFullText(context, "PMC8435807");
      await expect(failure).rejects.toBeInstanceOf(NoFullTextError);
      await expect(failure).rejects.toThrow(message);
    }
  });

  it("fails with one clear error on malformed XML, which is not a missing full text", async () => {
    const { context } = await eutils([pmcRoute({ bodyFile: PMC_FIXTURE }, { faults: [{ type: "malformed" }] })]);
    const failure = fetchPmcFullText(context, "PMC8435807");
    await expect(failure).rejects.toThrow(/^PMC returned malformed XML for PMC8435807$/);
    await expect(failure).rejects.not.toBeInstanceOf(NoFullTextError);
  });
});

describe("NCBI request policy, with the HTTP client built as the CLI builds it", () => {
  /**
   * Run two searches (esearch, then efetch, twice) through a client with NCBI's policy; return the
   * gaps between request arrivals and every request's api_key. The first request also opens the
   * connection, which delays its arrival, so gaps are measured from the second request on.
   */
  async function searchWithPolicy(keys: SourceKeys) {
    const server = await startReplayServer([
      esearchRoute({ body: esearchBody(1, ["11748933"]) }),
      efetchRoute({ bodyFile: `${FIXTURES}/efetch-pubmed-11748933-11700088.xml` }),
    ]);
    onTestFinished(() => server.close());
    // Every other API at another (closed) port, so NCBI's limit alone applies to the replay server.
    const elsewhere = "http://127.0.0.1:9";
    const endpoints: SourceEndpoints = { europepmc: elsewhere, ncbi: server.url(EUTILS), openalex: elsewhere, arxiv: elsewhere, arxivPdf: elsewhere, unpaywall: elsewhere };
    const { logger } = capturedLogger();
    const http = createHttpClient({ version: "0.0.0-test", logger, ...sourceHttpPolicy(endpoints, keys) });
    onTestFinished(() => http.close());
    const context: SourceContext = { http, logger, endpoints, keys };
    for (let search = 0; search < 2; search += 1) {
      const result = await searchPubMed(context, "sperm", 1);
      expect(result.records.map((record) => record.id)).toEqual(["pmid:11748933"]);
    }
    const arrivals = server.requests.map((request) => request.receivedAt);
    expect(arrivals).toHaveLength(4);
    const gaps = arrivals.slice(2).map((arrival, index) => arrival - (arrivals[index + 1] ?? arrival));
    return { gaps, apiKeys: server.requests.map((request) => request.query.get("api_key")) };
  }

  // NCBI's limits are 3 requests a second (334 ms apart), 10 with a key (100 ms); timers may fire a few ms early.
  it("paces requests at 3 a second without a key", async () => {
    const { gaps, apiKeys } = await searchWithPolicy({});
    expect(apiKeys).toEqual([null, null, null, null]);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(320);
      // Well under the second that hosts without a known policy wait: it is NCBI's limit that applies.
      expect(gap).toBeLessThan(600);
    }
  });

  it("sends the API key on every request and paces at 10 a second with it", async () => {
    const { gaps, apiKeys } = await searchWithPolicy({ ncbi: "test-key" });
    expect(apiKeys).toEqual(["test-key", "test-key", "test-key", "test-key"]);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(90);
      expect(gap).toBeLessThan(320);
    }
  });
});
