// NCBI E-utilities: PubMed search (esearch, then efetch for full records with abstracts), PubMed
// summaries (esummary) and PMC full text (efetch db=pmc, JATS). Every request names the tool and,
// when configured, the contact address, as NCBI asks; the HTTP client adds the API key and paces
// requests to NCBI's limit. Responses are XML, validated here: a malformed record is skipped, a
// malformed response is one RunError.
import { z } from "zod";
import { errorMessage, RunError, UsageError } from "../errors.js";
import type { CacheKind, HttpResponse } from "../http/client.js";
import { parseJats } from "../fulltext/jats.js";
import { cleanIds, normalisePmcid, normalisePmid, normaliseWhitespace, paperUrl, parseInitialsAuthors, parseYear, recordIdFor } from "../fulltext/paper.js";
import { attribute, childAt, childElements, firstChild, flattenText, parseXml, type XmlElement } from "../fulltext/xml.js";
import type { Author, LoadedPaper, PaperRecord } from "../types.js";
import { NoFullTextError, type SourceContext, type SourceSearchResult } from "./context.js";

const TOOL = "litreview";
/** PubMed exposes only the first 10,000 hits of a search. */
const PUBMED_MAX_HITS = 10_000;
const ESEARCH_PAGE_SIZE = 200;
/** Ids per efetch/esummary request: short enough for a GET URL. */
const ID_BATCH_SIZE = 200;
const XML_ACCEPT = "application/xml, text/xml";

/** esearch's answer, as read from its XML. */
const esearchSchema = z.object({
  count: z.string().regex(/^\d+$/).transform(Number),
  ids: z.array(z.string().regex(/^\d+$/)),
});

/** One PubMed citation, as read from a PubmedArticle (or PubmedBookArticle) or an esummary DocSum. */
const citationSchema = z.object({
  pmid: z.string().regex(/^\d{1,9}$/),
  title: z.string(),
  authors: z.array(z.object({ family: z.string().min(1), given: z.string().min(1).optional() })),
  date: z.string().optional(),
  journal: z.string().optional(),
  abstract: z.string().optional(),
  doi: z.string().optional(),
  pmcid: z.string().optional(),
  publicationTypes: z.array(z.string()),
});
type Citation = z.infer<typeof citationSchema>;

/**
 * Search PubMed (relevance order), then fetch the full records with abstracts. Records keep
 * esearch's order; ids whose record efetch does not return are dropped.
 */
export async function searchPubMed(ctx: SourceContext, query: string, limit: number): Promise<SourceSearchResult> {
  const wanted = Math.max(0, Math.min(limit, PUBMED_MAX_HITS));
  const ids: string[] = [];
  let hitCount = 0;
  let retstart = 0;
  do {
    const page = await esearchPage(ctx, query, retstart, Math.min(wanted - retstart, ESEARCH_PAGE_SIZE));
    hitCount = page.count;
    if (page.ids.length === 0) break;
    ids.push(...page.ids);
    retstart += page.ids.length;
  } while (retstart < Math.min(wanted, hitCount));
  const records = await fetchPubMedRecords(ctx, ids.slice(0, wanted));
  return {
    source: "pubmed",
    query,
    hitCount,
    records: records.map((record) => ({ ...record, foundBy: [{ source: "pubmed", query }] })),
  };
}

/** Full PubMed records (with abstracts) for these PMIDs, in the order given; PMIDs PubMed does not return are left out. */
export async function fetchPubMedRecords(ctx: SourceContext, pmids: string[]): Promise<PaperRecord[]> {
  return inBatches(ctx, validPmids(pmids), async (batch) => {
    const response = await eutils(ctx, "efetch", { db: "pubmed", id: batch.join(","), retmode: "xml" }, "metadata", "PubMed efetch");
    return parsePubMedArticleSet(ctx, response.text());
  });
}

/** Lighter metadata (no abstracts) for these PMIDs from esummary, in the order given. */
export async function summarisePubMed(ctx: SourceContext, pmids: string[]): Promise<PaperRecord[]> {
  return inBatches(ctx, validPmids(pmids), async (batch) => {
    const response = await eutils(ctx, "esummary", { db: "pubmed", id: batch.join(",") }, "metadata", "PubMed esummary");
    return parseESummary(ctx, response.text());
  });
}

/**
 * The JATS full text of a PMC article. PMC sends only the front matter when the publisher does not
 * allow full-text XML; that, an unknown article and a 404 are a NoFullTextError.
 */
export async function fetchPmcFullText(ctx: SourceContext, pmcid: string): Promise<LoadedPaper> {
  const normalised = normalisePmcid(pmcid);
  if (!normalised) throw new UsageError(`not a PMCID: "${pmcid}"`);
  const digits = normalised.slice("PMC".length);
  const url = eutilsUrl(ctx, "efetch", { db: "pmc", id: digits, retmode: "xml" });
  const response = await ctx.http.request({ url, kind: "fulltext", accept: XML_ACCEPT, signal: ctx.signal });
  if (response.status === 404) throw new NoFullTextError(`PMC has no article ${normalised}`);
  if (response.status !== 200) throw eutilsFailure(ctx, `PMC efetch for ${normalised}`, response);
  const text = response.text();
  let paper: LoadedPaper;
  try {
    paper = parseJats(text, normalised);
  } catch (error) {
    throw pmcResponseError(ctx, text, normalised, error);
  }
  if (paper.document.access !== "fulltext") {
    throw new NoFullTextError(`PMC has no full-text XML for ${normalised} (publisher allows front matter only)`);
  }
  // The record is PMC's article, not a local file: it keys on its public ids, and always carries the PMCID asked for.
  const { local: _local, ...publicIds } = paper.record.ids;
  const ids = { ...publicIds, pmcid: publicIds.pmcid ?? normalised };
  const id = recordIdFor(ids);
  return {
    record: { ...paper.record, id, ids, foundBy: [{ source: "pmc" }] },
    document: { ...paper.document, paperId: id },
  };
}

/** Why a PMC efetch body is not one article: no such article (NoFullTextError) or an unreadable answer (RunError). */
function pmcResponseError(ctx: SourceContext, text: string, pmcid: string, parseError: unknown): RunError {
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (error) {
    ctx.logger.debug(`PMC efetch for ${pmcid}: ${errorMessage(error)}`);
    return new RunError(`PMC returned malformed XML for ${pmcid}`);
  }
  const message = errorElementText(root);
  if (message !== undefined || (root.name === "pmc-articleset" && childElements(root, "article").length === 0)) {
    return new NoFullTextError(`PMC has no article ${pmcid}${message ? `: ${message}` : ""}`);
  }
  return new RunError(`PMC returned an unexpected response for ${pmcid}: ${errorMessage(parseError)}`);
}

async function esearchPage(ctx: SourceContext, query: string, retstart: number, retmax: number): Promise<z.infer<typeof esearchSchema>> {
  const params = { db: "pubmed", term: query, retmax: String(retmax), retstart: String(retstart), sort: "relevance" };
  const response = await eutils(ctx, "esearch", params, "search", "PubMed search");
  const root = parseResponseXml(ctx, response.text(), "PubMed search");
  if (root.name !== "eSearchResult") throw new RunError(`PubMed search returned an unexpected response (<${root.name}>)`);
  // A query PubMed cannot run (<ERROR>) or whose terms match nothing (<ErrorList>) is an empty result, not a failure.
  const error = errorElementText(root);
  if (error !== undefined) {
    ctx.logger.warn(`PubMed could not run the search "${query}": ${error}`);
    return { count: 0, ids: [] };
  }
  const notFound = childrenOf(firstChild(root, "ErrorList"), "PhraseNotFound", "FieldNotFound").map((element) => flattenText(element));
  if (notFound.length > 0) ctx.logger.debug(`PubMed found nothing for: ${notFound.join(", ")}`);
  const page = esearchSchema.safeParse({
    count: flattenText(firstChild(root, "Count")),
    ids: childrenOf(firstChild(root, "IdList"), "Id").map((element) => flattenText(element)),
  });
  if (!page.success) throw new RunError("PubMed search returned a response in an unexpected shape");
  return page.data;
}

function parsePubMedArticleSet(ctx: SourceContext, xml: string): PaperRecord[] {
  const root = parseResponseXml(ctx, xml, "PubMed");
  const error = errorElementText(root);
  if (error !== undefined) throw new RunError(`PubMed efetch failed: ${error}`);
  if (root.name !== "PubmedArticleSet") throw new RunError(`PubMed returned an unexpected response (<${root.name}>)`);
  const records: PaperRecord[] = [];
  for (const article of childElements(root, "PubmedArticle", "PubmedBookArticle")) {
    const raw = article.name === "PubmedArticle" ? journalCitation(article) : bookCitation(article);
    const citation = citationSchema.safeParse(raw);
    if (citation.success) records.push(toRecord(citation.data));
    else ctx.logger.debug(`skipped a malformed PubMed record: ${citation.error.issues[0]?.path.join(".") ?? ""} ${citation.error.issues[0]?.message ?? ""}`);
  }
  return records;
}

function journalCitation(article: XmlElement): Record<string, unknown> {
  const medline = firstChild(article, "MedlineCitation");
  const body = firstChild(medline, "Article");
  const journal = firstChild(body, "Journal");
  const pubDate = childAt(journal, ["JournalIssue", "PubDate"]);
  const ids = articleIds(childAt(article, ["PubmedData", "ArticleIdList"]));
  const electronicDoi = childrenOf(body, "ELocationID").find(
    (element) => attribute(element, "EIdType") === "doi" && attribute(element, "ValidYN") !== "N",
  );
  return {
    pmid: flattenText(firstChild(medline, "PMID")),
    title: flattenText(firstChild(body, "ArticleTitle")) || flattenText(firstChild(body, "VernacularTitle")),
    authors: authorList(body),
    date: flattenText(firstChild(pubDate, "Year")) || flattenText(firstChild(pubDate, "MedlineDate")) || flattenText(childAt(body, ["ArticleDate", "Year"])) || undefined,
    journal: flattenText(firstChild(journal, "Title")) || flattenText(firstChild(journal, "ISOAbbreviation")) || undefined,
    abstract: abstractText(firstChild(body, "Abstract")),
    doi: ids.doi ?? (electronicDoi ? flattenText(electronicDoi) : undefined),
    pmcid: ids.pmcid,
    publicationTypes: publicationTypes(firstChild(body, "PublicationTypeList")),
  };
}

/** A chapter or book of NCBI Bookshelf (StatPearls and the like), which PubMed searches return too. */
function bookCitation(article: XmlElement): Record<string, unknown> {
  const document = firstChild(article, "BookDocument");
  const book = firstChild(document, "Book");
  const bookTitle = flattenText(firstChild(book, "BookTitle"));
  const chapterTitle = flattenText(firstChild(document, "ArticleTitle"));
  const ids = { ...articleIds(childAt(article, ["PubmedBookData", "ArticleIdList"])), ...articleIds(firstChild(document, "ArticleIdList")) };
  const chapterAuthors = authorList(document);
  return {
    pmid: flattenText(firstChild(document, "PMID")),
    title: chapterTitle || bookTitle,
    authors: chapterAuthors.length > 0 ? chapterAuthors : authorList(book),
    date: flattenText(childAt(book, ["PubDate", "Year"])) || flattenText(childAt(book, ["PubDate", "MedlineDate"])) || undefined,
    journal: chapterTitle && bookTitle ? bookTitle : undefined,
    abstract: abstractText(firstChild(document, "Abstract")),
    doi: ids.doi,
    pmcid: ids.pmcid,
    publicationTypes: childrenOf(document, "PublicationType").map((element) => flattenText(element)),
  };
}

function articleIds(list: XmlElement | undefined): { doi?: string; pmcid?: string } {
  const ids: { doi?: string; pmcid?: string } = {};
  for (const element of childrenOf(list, "ArticleId")) {
    const type = attribute(element, "IdType");
    if (type === "doi") ids.doi ??= flattenText(element);
    else if (type === "pmc") ids.pmcid ??= flattenText(element);
  }
  return ids;
}

/** The authors (not editors) of an Article or BookDocument; individuals and collectives alike. */
function authorList(parent: XmlElement | undefined): Author[] {
  const list = childrenOf(parent, "AuthorList").find((element) => {
    const type = attribute(element, "Type");
    return type === undefined || type === "authors";
  });
  if (!list) return [];
  return childElements(list, "Author")
    .filter((author) => attribute(author, "ValidYN") !== "N")
    .flatMap((author): Author[] => {
      const family = flattenText(firstChild(author, "LastName"));
      const given = flattenText(firstChild(author, "ForeName")) || flattenText(firstChild(author, "Initials"));
      if (family) return [given ? { family, given } : { family }];
      const collective = flattenText(firstChild(author, "CollectiveName"));
      return collective ? [{ family: collective }] : [];
    });
}

/** One string; the parts of a structured abstract lead with their label ("METHODS: …"). */
function abstractText(abstract: XmlElement | undefined): string | undefined {
  if (!abstract) return undefined;
  const parts = childElements(abstract, "AbstractText").flatMap((element) => {
    const text = flattenText(element);
    if (!text) return [];
    const label = attribute(element, "Label")?.trim();
    return [label ? `${label}: ${text}` : text];
  });
  return parts.length > 0 ? parts.join(" ") : undefined;
}

function publicationTypes(list: XmlElement | undefined): string[] {
  return childrenOf(list, "PublicationType").map((element) => flattenText(element));
}

function parseESummary(ctx: SourceContext, xml: string): PaperRecord[] {
  const root = parseResponseXml(ctx, xml, "PubMed esummary");
  if (root.name !== "eSummaryResult") throw new RunError(`PubMed esummary returned an unexpected response (<${root.name}>)`);
  // Unknown ids come back as <ERROR> elements beside the summaries of the known ones.
  for (const error of childElements(root, "ERROR")) ctx.logger.debug(`PubMed esummary: ${flattenText(error)}`);
  const records: PaperRecord[] = [];
  for (const summary of childElements(root, "DocSum")) {
    const citation = citationSchema.safeParse(docSumCitation(summary));
    if (citation.success) records.push(toRecord(citation.data));
    else ctx.logger.debug(`skipped a malformed PubMed summary: ${citation.error.issues[0]?.path.join(".") ?? ""} ${citation.error.issues[0]?.message ?? ""}`);
  }
  return records;
}

function docSumCitation(summary: XmlElement): Record<string, unknown> {
  const items = childElements(summary, "Item");
  const item = (name: string) => items.find((element) => attribute(element, "Name") === name);
  const text = (name: string) => flattenText(item(name)) || undefined;
  const listValues = (name: string) => childrenOf(item(name), "Item").map((element) => flattenText(element));
  const articleIds = childrenOf(item("ArticleIds"), "Item");
  const articleId = (name: string) => {
    const found = articleIds.find((element) => attribute(element, "Name") === name);
    return found ? flattenText(found) || undefined : undefined;
  };
  return {
    pmid: flattenText(firstChild(summary, "Id")),
    title: text("Title") ?? "",
    authors: parseInitialsAuthors(listValues("AuthorList")),
    date: text("PubDate") ?? text("EPubDate"),
    journal: text("FullJournalName") ?? text("Source"),
    doi: articleId("doi") ?? text("DOI"),
    pmcid: articleId("pmc") ?? articleId("pmcid"),
    publicationTypes: listValues("PubTypeList"),
  };
}

function toRecord(citation: Citation): PaperRecord {
  const ids = cleanIds({ pmid: citation.pmid, doi: citation.doi, pmcid: citation.pmcid });
  const year = parseYear(citation.date);
  const url = paperUrl(ids);
  return {
    id: recordIdFor(ids),
    ids,
    title: normaliseWhitespace(citation.title),
    authors: citation.authors,
    ...(year !== undefined ? { year } : {}),
    ...(citation.journal ? { journal: citation.journal } : {}),
    ...(citation.abstract ? { abstract: citation.abstract } : {}),
    // In PMC means free to read; without a PMCID PubMed cannot tell.
    ...(ids.pmcid ? { openAccess: true } : {}),
    retracted: citation.publicationTypes.some((type) => /^retracted publication$/i.test(type.trim())),
    foundBy: [{ source: "pubmed" }],
    ...(url ? { url } : {}),
  };
}

function validPmids(pmids: string[]): string[] {
  const valid = new Set<string>();
  for (const raw of pmids) {
    const pmid = normalisePmid(raw);
    if (!pmid) throw new UsageError(`not a PubMed id: "${raw}"`);
    valid.add(pmid);
  }
  return [...valid];
}

/** Records for `pmids` fetched `ID_BATCH_SIZE` at a time, returned in the order of `pmids`. */
async function inBatches(ctx: SourceContext, pmids: string[], fetchBatch: (batch: string[]) => Promise<PaperRecord[]>): Promise<PaperRecord[]> {
  const byPmid = new Map<string, PaperRecord>();
  for (let start = 0; start < pmids.length; start += ID_BATCH_SIZE) {
    for (const record of await fetchBatch(pmids.slice(start, start + ID_BATCH_SIZE))) {
      if (record.ids.pmid) byPmid.set(record.ids.pmid, record);
    }
  }
  const missing = pmids.filter((pmid) => !byPmid.has(pmid));
  if (missing.length > 0) ctx.logger.debug(`PubMed returned no record for ${missing.length} of ${pmids.length} PMIDs: ${missing.slice(0, 10).join(", ")}`);
  return pmids.flatMap((pmid) => byPmid.get(pmid) ?? []);
}

function eutilsUrl(ctx: SourceContext, utility: string, params: Record<string, string>): string {
  const url = new URL(`${ctx.endpoints.ncbi}/${utility}.fcgi`);
  url.search = new URLSearchParams({ ...params, tool: TOOL, ...(ctx.email ? { email: ctx.email } : {}) }).toString();
  return url.toString();
}

/** A GET to an E-utility; any status but 200 is a RunError carrying NCBI's own message. */
async function eutils(ctx: SourceContext, utility: string, params: Record<string, string>, kind: CacheKind, label: string): Promise<HttpResponse> {
  const response = await ctx.http.request({ url: eutilsUrl(ctx, utility, params), kind, accept: XML_ACCEPT, signal: ctx.signal });
  if (response.status !== 200) throw eutilsFailure(ctx, label, response);
  return response;
}

const jsonErrorSchema = z.union([z.object({ error: z.string() }), z.object({ ERROR: z.string() })]);

/** "PubMed search failed (HTTP 400): API key invalid", with NCBI's message from its JSON or XML error body when there is one. */
function eutilsFailure(ctx: SourceContext, label: string, response: HttpResponse): RunError {
  const text = response.text();
  let message: string | undefined;
  try {
    const json = jsonErrorSchema.safeParse(JSON.parse(text));
    if (json.success) message = "error" in json.data ? json.data.error : json.data.ERROR;
  } catch {
    try {
      message = errorElementText(parseXml(text));
    } catch {
      // Neither JSON nor XML (an HTML error page): the status says enough.
    }
  }
  const key = ctx.keys.ncbi;
  const shown = message && normaliseWhitespace(key ? message.split(key).join("REDACTED") : message).slice(0, 300);
  return new RunError(`${label} failed (HTTP ${response.status})${shown ? `: ${shown}` : ""}`);
}

function parseResponseXml(ctx: SourceContext, xml: string, api: string): XmlElement {
  try {
    return parseXml(xml);
  } catch (error) {
    ctx.logger.debug(`${api}: ${errorMessage(error)}`);
    throw new RunError(`${api} returned malformed XML`);
  }
}

function childrenOf(parent: XmlElement | undefined, ...names: string[]): XmlElement[] {
  return parent ? childElements(parent, ...names) : [];
}

/** The text of an <ERROR> root or child element, NCBI's way of reporting a request it could not serve. */
function errorElementText(root: XmlElement): string | undefined {
  const error = root.name === "ERROR" ? root : firstChild(root, "ERROR");
  return error ? flattenText(error) || "unspecified error" : undefined;
}
