// The in-process fakes the benchmarks share: the scholarly APIs answering with real recorded
// responses (fixtures/api/, fixtures/jats/), and a language model answering by schema. Both can
// add latency, and both can record every call (what, when asked, when started, when ended).
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import pLimit, { type LimitFunction } from "p-limit";
import { questionTerms } from "../agent/keyword-plan.js";
import type { PlannedQuery } from "../agent/plan.js";
import type { HttpClient, HttpRequest, HttpResponse } from "../http/client.js";
import type { Budget } from "../llm/budget.js";
import type { LlmPool } from "../llm/client.js";
import type { LlmClient, LlmRequest, LlmResult, TokenUsage, UsageSummary } from "../llm/types.js";
import type { SourceEndpoints } from "../sources/context.js";

export const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));

export const readFixture = (path: string) => readFile(`${FIXTURES}${path}`, "utf8");

/** A PubMedQA dev question, as in fixtures/pubmedqa/queries-dev.jsonl. */
export interface PubMedQaQuery {
  _id: string;
  text: string;
}

export async function loadPubMedQaQueries(): Promise<PubMedQaQuery[]> {
  return (await readFixture("pubmedqa/queries-dev.jsonl"))
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as PubMedQaQuery);
}

/** One call to a fake, in milliseconds since the recorder was made. */
export interface CallRecord {
  kind: "api" | "llm";
  /** The API call ("europepmc search", "pmc fulltext", …) or the LLM step ("plan", "evidence", …). */
  label: string;
  /** The PMCID a full-text call is for, linking the routes tried for one paper. */
  paper?: string;
  askedAt: number;
  start: number;
  end: number;
}

export class CallRecorder {
  readonly calls: CallRecord[] = [];
  readonly unrouted: string[] = [];
  readonly #origin = performance.now();

  now(): number {
    return performance.now() - this.#origin;
  }
}

// ---------------------------------------------------------------------------------------------
// The fake scholarly APIs: real recorded responses, read from disk once.

export interface ApiFixtures {
  /** Europe PMC search, query=cancer (25 records), without its next-page cursor: one page answers a search. */
  europePmcSearch: string;
  /** Europe PMC / PMC JATS articles, one chosen per PMCID. */
  articles: string[];
  /** PMC efetch: a `<pmc-articleset>` with one article. */
  pmcEfetch: string;
  /** The recorded esearch, its id list replaced by the PMIDs whose efetch records we hold, so both describe the same papers. */
  esearch: string;
  /** `<PubmedArticle>` elements of the recorded efetch responses, by PMID. */
  pubmedArticles: Map<string, string>;
}

export async function loadApiFixtures(): Promise<ApiFixtures> {
  const { nextCursorMark: _cursor, nextPageUrl: _nextPage, ...searchPage } = JSON.parse(await readFixture("api/europepmc/europepmc-search-cancer-core.json")) as Record<string, unknown>;
  const articles = await Promise.all(
    ["europepmc-fulltextxml-PMC13205833.xml", "pmc-jats-PMC1790863.xml", "pmc-jats-PMC2599765.xml", "pmc-jats-PMC3166277.xml"].map((name) => readFixture(`jats/${name}`)),
  );
  const pubmedArticles = new Map<string, string>();
  for (const name of ["efetch-pubmed-11748933-11700088.xml", "efetch-pubmed-12091962-9997.xml", "efetch-pubmed-27797938.xml", "efetch-pubmed-29963580.xml", "pubmed-xml-29768149.xml"]) {
    for (const [article] of (await readFixture(`api/ncbi-eutils/${name}`)).matchAll(/<PubmedArticle>[\s\S]*?<\/PubmedArticle>/g)) {
      const pmid = /<PMID[^>]*>(\d+)<\/PMID>/.exec(article)?.[1];
      if (pmid) pubmedArticles.set(pmid, article);
    }
  }
  const ids = [...pubmedArticles.keys()];
  const esearch = (await readFixture("api/ncbi-eutils/esearch-pubmed-biopython.xml"))
    .replace(/<Count>\d+<\/Count>/, `<Count>${ids.length}</Count>`)
    .replace(/<RetMax>\d+<\/RetMax>/, `<RetMax>${ids.length}</RetMax>`)
    .replace(/<IdList>[\s\S]*<\/IdList>/, `<IdList>\n${ids.map((id) => `<Id>${id}</Id>`).join("\n")}\n</IdList>`);
  return {
    europePmcSearch: JSON.stringify(searchPage),
    articles,
    pmcEfetch: await readFixture("jats/efetch-pmc-PMC8435807-correction.xml"),
    esearch,
    pubmedArticles,
  };
}

/** The recorded answer to one API request. */
export interface RoutedAnswer {
  label: string;
  paper?: string;
  status: number;
  body: string;
  contentType: string;
}

/** The recorded answer for a request to one of `endpoints`, or undefined when we hold none. */
export function routeApiRequest(url: URL, endpoints: SourceEndpoints, fixtures: ApiFixtures): RoutedAnswer | undefined {
  const json = (label: string, body: string): RoutedAnswer => ({ label, status: 200, body, contentType: "application/json" });
  const xml = (label: string, body: string, paper?: string): RoutedAnswer => ({ label, status: 200, body, contentType: "text/xml", ...(paper ? { paper } : {}) });
  const href = `${url.origin}${url.pathname}`;
  if (href === `${endpoints.europepmc}/search`) return json("europepmc search", fixtures.europePmcSearch);
  const fullText = new RegExp(`^${escapeRegExp(endpoints.europepmc)}/(PMC\\d+)/fullTextXML$`).exec(href);
  if (fullText?.[1]) {
    const pmcid = fullText[1];
    return xml("europepmc fulltext", fixtures.articles[Number(pmcid.slice(3)) % fixtures.articles.length] ?? "", pmcid);
  }
  if (href === `${endpoints.ncbi}/esearch.fcgi`) return xml("pubmed esearch", fixtures.esearch);
  if (href === `${endpoints.ncbi}/efetch.fcgi` && url.searchParams.get("db") === "pubmed") {
    const ids = (url.searchParams.get("id") ?? "").split(",");
    const articles = ids.flatMap((id) => fixtures.pubmedArticles.get(id) ?? []);
    return xml("pubmed efetch", `<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>\n${articles.join("\n")}\n</PubmedArticleSet>\n`);
  }
  if (href === `${endpoints.ncbi}/efetch.fcgi` && url.searchParams.get("db") === "pmc") return xml("pmc fulltext", fixtures.pmcEfetch, `PMC${url.searchParams.get("id") ?? ""}`);
  return undefined;
}

/** What a fake API answers when it holds no recording for the request. */
export const UNROUTED_ANSWER: RoutedAnswer = { label: "unrouted", status: 404, body: "not found", contentType: "text/plain" };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** An HTTP client answering from the recordings in-process, after `latencyMs`. */
export function createFakeHttp(fixtures: ApiFixtures, endpoints: SourceEndpoints, latencyMs: number, recorder: CallRecorder): HttpClient {
  return {
    async request(request: HttpRequest): Promise<HttpResponse> {
      const start = recorder.now();
      const url = new URL(request.url);
      const routed = routeApiRequest(url, endpoints, fixtures);
      if (!routed) recorder.unrouted.push(request.url);
      const answer = routed ?? UNROUTED_ANSWER;
      if (latencyMs > 0) await sleep(latencyMs);
      recorder.calls.push({ kind: "api", label: answer.label, ...(answer.paper ? { paper: answer.paper } : {}), askedAt: start, start, end: recorder.now() });
      const body = Buffer.from(answer.body, "utf8");
      return { status: answer.status, headers: { "content-type": answer.contentType }, body, text: () => answer.body, fromCache: false, stale: false, url: request.url };
    },
    close: () => Promise.resolve(),
  };
}

// ---------------------------------------------------------------------------------------------
// The fake language model: valid answers by schema, a passage relevant when it shares words with the question.

export interface FakeLlmLatency {
  ms: number;
  /** Each call takes `ms` plus a uniform random amount in [-jitterMs, +jitterMs]. */
  jitterMs?: number;
}

const FAKE_MAIN = { baseUrl: "fake://bench", model: "fake-main" };
const FAKE_FAST = { baseUrl: "fake://bench", model: "fake-fast" };

/**
 * Like the real pool (createLlmPool): one concurrency limit for every question, and a client view per
 * question that reserves from that question's budget and counts its usage.
 */
export function createFakeLlmPool(options: { concurrency: number; latency: FakeLlmLatency; recorder?: CallRecorder }): LlmPool {
  const limit = pLimit(options.concurrency);
  return {
    main: FAKE_MAIN,
    fast: FAKE_FAST,
    client: (budget) => new FakeLlm({ limit, budget, latency: options.latency, ...(options.recorder ? { recorder: options.recorder } : {}) }),
  };
}

function emptyUsage(): TokenUsage {
  return { calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
}

class FakeLlm implements LlmClient {
  readonly main = FAKE_MAIN;
  readonly fast = FAKE_FAST;
  readonly #limit: LimitFunction;
  readonly #budget: Budget;
  readonly #latency: FakeLlmLatency;
  readonly #recorder: CallRecorder | undefined;
  readonly #total = emptyUsage();
  readonly #byStep = new Map<string, TokenUsage>();
  readonly #byModel = new Map<string, TokenUsage>();
  #assessments = 0;

  constructor(options: { limit: LimitFunction; budget: Budget; latency: FakeLlmLatency; recorder?: CallRecorder }) {
    this.#limit = options.limit;
    this.#budget = options.budget;
    this.#latency = options.latency;
    this.#recorder = options.recorder;
  }

  complete<T>(request: LlmRequest<T>): Promise<LlmResult<T>> {
    const askedAt = this.#recorder?.now() ?? 0;
    return this.#limit(async (): Promise<LlmResult<T>> => {
      const start = this.#recorder?.now() ?? 0;
      // Like the real client: reserved once a slot is free, so a queued call holds no budget.
      if (!this.#budget.tryReserveCall()) return { ok: false, reason: "budget", message: this.#budget.exhausted() ?? "the LLM budget is spent" };
      const { ms, jitterMs = 0 } = this.#latency;
      const latencyMs = ms + (jitterMs > 0 ? (Math.random() * 2 - 1) * jitterMs : 0);
      if (latencyMs > 0) await sleep(latencyMs);
      const reply = this.#reply(request);
      this.#account(request, JSON.stringify(reply));
      this.#recorder?.calls.push({ kind: "llm", label: request.step, askedAt, start, end: this.#recorder.now() });
      const parsed = request.schema.safeParse(reply);
      if (!parsed.success) throw new Error(`the fake LLM's ${request.schemaName} answer does not fit the schema: ${parsed.error.message}`);
      return { ok: true, value: parsed.data, fromCache: false };
    });
  }

  usage(): UsageSummary {
    const copy = (map: Map<string, TokenUsage>) => Object.fromEntries([...map].map(([key, usage]) => [key, { ...usage }]));
    return { ...this.#total, byModel: copy(this.#byModel), byStep: copy(this.#byStep), cachedCalls: 0 };
  }

  #reply(request: LlmRequest<unknown>): unknown {
    const question = /^Research question: (.*)$/m.exec(request.user)?.[1] ?? "";
    const terms = questionTerms(question);
    switch (request.schemaName) {
      case "search_plan":
        return { queries: plannedQueries(terms, Number(/Write (\d+) queries/.exec(request.user)?.[1] ?? 1), 0) };
      case "hypothetical_answers":
        return {
          answers: ["improves", "does not change", "reduces"].map((outcome) => ({
            answer: `${terms.join(" ")}: the factor ${outcome} the outcome in the patients studied.`,
            rationale: "A plausible finding for this kind of study.",
            synonyms: terms.slice(0, 3),
          })),
        };
      case "passage_evidence":
        return judgePassage(question, request.user);
      case "evidence_assessment":
        this.#assessments += 1;
        // The first assessment asks for one more round with new queries; the next is satisfied.
        return this.#assessments === 1
          ? { sufficient: false, missing: [`direct comparisons for: ${question}`], followCitations: false, queries: plannedQueries(terms, 2, FOLLOW_UP_OFFSET) }
          : { sufficient: true, missing: [], followCitations: false, queries: [] };
      case "cited_answer": {
        const keys = [...new Set([...request.user.matchAll(/^\[(E\d+)\]/gm)].map((match) => match[1]))].slice(0, 3);
        const cited = keys.map((key) => `[${key}]`).join("");
        return { status: "answered", confidence: "medium", answer: `The evidence bears on the question ${cited}.`, findings: [`The studies report findings on ${terms.slice(0, 3).join(", ")} ${cited}.`], agreement: [], disagreement: [] };
      }
      case "verification_questions":
        return { questions: plannedQueries(terms, 2, FOLLOW_UP_OFFSET).map((query) => ({ question: `Is it confirmed that ${question}`, query })) };
      case "claim_verdict": {
        const passage = /\[E\d+\] ([^\n]*)/.exec(request.user)?.[1] ?? "";
        return { verdict: "supported", quote: passage.split(/(?<=[.!?])\s+/)[0] ?? "", revision: "" };
      }
      default:
        throw new Error(`the fake LLM has no answer for schema ${request.schemaName}: add one to src/bench/fakes.ts`);
    }
  }

  #account(request: LlmRequest<unknown>, output: string): void {
    const promptTokens = Math.ceil((request.system.length + request.user.length) / 4);
    const completionTokens = Math.ceil(output.length / 4);
    const model = request.role === "main" ? this.main.model : this.fast.model;
    for (const usage of [this.#total, entryFor(this.#byStep, request.step), entryFor(this.#byModel, model)]) {
      usage.calls += 1;
      usage.promptTokens += promptTokens;
      usage.completionTokens += completionTokens;
    }
  }
}

function entryFor(map: Map<string, TokenUsage>, key: string): TokenUsage {
  const existing = map.get(key);
  if (existing) return existing;
  const created = emptyUsage();
  map.set(key, created);
  return created;
}

/** Where the assessment's queries start among the question's terms: past the first round's, so they are new searches. */
const FOLLOW_UP_OFFSET = 3;

/** `count` distinct queries over the question's terms, each starting `offset` terms further along. */
function plannedQueries(terms: readonly string[], count: number, offset: number): PlannedQuery[] {
  const at = (index: number) => terms[index % Math.max(terms.length, 1)] ?? "study";
  return Array.from({ length: count }, (_, query) => {
    const first = query + offset;
    return {
      must: [
        { term: at(first), synonyms: [] },
        { term: at(first + 1), synonyms: [at(first + 2)] },
      ],
      should: terms.slice(0, 3).map((term) => ({ term, weight: 0.5 })),
      yearFrom: null,
      yearTo: null,
    };
  });
}

/** Relevant when the passage shares two or more of the question's longer words; the quote is a sentence copied from it. */
function judgePassage(question: string, user: string): { relevance: number; summary: string; quote: string } {
  const fenced = /<<<DATA [^\n]*>>>\n([\s\S]*)\n<<<END DATA/.exec(user)?.[1] ?? "";
  const text = fenced
    .split("\n")
    .filter((line) => !line.startsWith("Paper: ") && !line.startsWith("Section: "))
    .join("\n");
  const lower = text.toLowerCase();
  const words = [...new Set(question.toLowerCase().match(/[\p{L}\p{N}-]{5,}/gu) ?? [])];
  const shared = words.filter((word) => lower.includes(word));
  if (shared.length < 2) return { relevance: 1, summary: "", quote: "" };
  const sentence = text.split(/(?<=[.!?])\s+/).find((candidate) => shared.some((word) => candidate.toLowerCase().includes(word))) ?? text;
  const quote = sentence.trim().slice(0, 300);
  return { relevance: Math.min(10, 4 + shared.length), summary: `On ${shared.join(", ")}: ${quote}`, quote };
}
