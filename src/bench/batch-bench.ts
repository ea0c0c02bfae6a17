// `npm run bench:batch`: how `litreview batch` scales with --concurrency, and that a batch leaves
// nothing open behind it. PubMedQA dev questions against the PubMedQA corpus as local library plus
// Europe PMC and PubMed, --depth quick with a small --top-k, at concurrency 1 (a sample of the
// questions) and 8 (all of them), each question run by batch's own per-question code (reviewOne in
// src/cli/batch.ts) over shared pieces built like startRun builds them: one logger, one HTTP client
// (the real one: per-host rate limits, disk cache, connection pool) and one LLM pool.
//
// The fakes (src/bench/fakes.ts): the language model answers by schema after 1 s ± 250 ms, at most
// --llm-concurrency calls at once across all questions; the scholarly APIs are loopback HTTP servers
// answering with the recorded responses after 300 ms. Real sources rather than none, because what
// a batch shares between questions is the HTTP client's rate limiters, cache and sockets: with no
// sources they would sit idle and a socket leak could not show. Europe PMC and NCBI each get a
// server (a port, so a host) of their own, so each keeps its own documented rate limit; every other
// API points at a third server, so nothing can reach the internet.
//
// Leaks: before a run and after its pieces are closed, the open file descriptors (entries of
// /proc/self/fd) and the active handles (process.getActiveResourcesInfo(), by type) must be equal.
// Closing a socket completes on a later turn of the event loop, so "after" is taken once the counts
// have settled, waiting at most LEAK_SETTLE_MS: anything still open then is a leak. That wait is far
// shorter than an idle keep-alive connection lives (undici keeps one about 3 s against Node's
// server), so a connection the client failed to close is not hidden by its own idle timeout. The
// fake servers run across both snapshots, so such a connection shows on both of its ends.
import { readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import pLimit from "p-limit";
import { resolveConfig, type Config, type ConfigInput } from "../config.js";
import { parseBatchInput } from "../cli/batch-input.js";
import { logBatchProgress } from "../cli/batch-progress.js";
import { reviewOne, type BatchQuestionRun, type BatchRun, type SummaryLine } from "../cli/batch.js";
import { createSourceContext } from "../cli/http.js";
import type { CliIo } from "../cli/io.js";
import { createLogger } from "../log.js";
import { FIXTURES, UNROUTED_ANSWER, createFakeLlmPool, loadApiFixtures, loadPubMedQaQueries, routeApiRequest, type ApiFixtures } from "./fakes.js";

const QUESTIONS = 200;
/** Questions at concurrency 1: enough for a steady rate (about 5 s each), few enough to keep the bench short. */
const SEQUENTIAL_QUESTIONS = 8;
const CONCURRENCY = 8;
const LATENCY = { llm: { ms: 1000, jitterMs: 250 }, apiMs: 300 };
const TOP_K = 5;
const LLM_CONCURRENCY = 16;
const LEAK_SETTLE_MS = 500;
const TARGETS = { speedup: 4 };

// ---------------------------------------------------------------------------------------------
// The fake APIs over loopback HTTP.

interface FakeApis {
  endpoints: { europepmcUrl: string; ncbiUrl: string; openalexUrl: string; arxivUrl: string; arxivPdfUrl: string; unpaywallUrl: string };
  /** Requests answered, by label ("europepmc search", "pubmed efetch", …). */
  requests: Map<string, number>;
  unrouted: Set<string>;
  close(): Promise<void>;
}

async function startFakeApis(fixtures: ApiFixtures): Promise<FakeApis> {
  const requests = new Map<string, number>();
  const unrouted = new Set<string>();
  const servers: Server[] = [];
  const listen = async (): Promise<string> => {
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? "/", `http://${request.headers.host ?? "127.0.0.1"}`);
      const routed = routeApiRequest(url, sourceEndpoints(apis.endpoints), fixtures);
      if (!routed) unrouted.add(url.href);
      const answer = routed ?? UNROUTED_ANSWER;
      requests.set(answer.label, (requests.get(answer.label) ?? 0) + 1);
      void sleep(LATENCY.apiMs).then(() => {
        response.writeHead(answer.status, { "content-type": answer.contentType });
        response.end(answer.body);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  const [europepmc, ncbi, elsewhere] = [await listen(), await listen(), await listen()];
  const apis: FakeApis = {
    endpoints: {
      europepmcUrl: `${europepmc}/europepmc/webservices/rest`,
      ncbiUrl: `${ncbi}/entrez/eutils`,
      openalexUrl: `${elsewhere}/openalex`,
      arxivUrl: `${elsewhere}/arxiv/api`,
      arxivPdfUrl: `${elsewhere}/arxiv/pdf`,
      unpaywallUrl: `${elsewhere}/unpaywall/v2`,
    },
    requests,
    unrouted,
    async close() {
      await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    },
  };
  return apis;
}

function sourceEndpoints(urls: FakeApis["endpoints"]) {
  return { europepmc: urls.europepmcUrl, ncbi: urls.ncbiUrl, openalex: urls.openalexUrl, arxiv: urls.arxivUrl, arxivPdf: urls.arxivPdfUrl, unpaywall: urls.unpaywallUrl };
}

// ---------------------------------------------------------------------------------------------
// Leak accounting.

interface OpenResources {
  fds: number;
  /** Active handles and requests by type (TCPSocketWrap, TCPServerWrap, Timeout, FSReqCallback, …). */
  byType: Map<string, number>;
}

function openResources(): OpenResources {
  const byType = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) byType.set(type, (byType.get(type) ?? 0) + 1);
  // The directory listing's own descriptor is open in both snapshots alike.
  return { fds: readdirSync("/proc/self/fd").length, byType };
}

function describeResources(resources: OpenResources): string {
  return [...resources.byType].sort(([a], [b]) => a.localeCompare(b)).map(([type, count]) => `${type} ${count}`).join(", ") || "none";
}

function sameResources(a: OpenResources, b: OpenResources): boolean {
  return a.fds === b.fds && describeResources(a) === describeResources(b);
}

/** The counts once they equal `before`, or as they are after LEAK_SETTLE_MS. */
async function settledResources(before: OpenResources): Promise<OpenResources> {
  const deadline = performance.now() + LEAK_SETTLE_MS;
  for (;;) {
    await sleep(20);
    const now = openResources();
    if (sameResources(before, now) || performance.now() > deadline) return now;
  }
}

// ---------------------------------------------------------------------------------------------
// One batch.

interface BatchMeasurement {
  concurrency: number;
  questions: number;
  wallMs: number;
  perMinute: number;
  peakRssMb: number;
  summaries: SummaryLine[];
  /** Questions whose .md or .json is missing after the batch. */
  missingOutputs: number;
  llmCalls: number;
  before: OpenResources;
  after: OpenResources;
}

function benchConfig(apis: FakeApis, scratch: string, env: NodeJS.ProcessEnv): Config {
  const flags: ConfigInput = {
    ...apis.endpoints,
    depth: "quick",
    topK: TOP_K,
    library: [`${FIXTURES}pubmedqa/corpus.jsonl`],
    sources: ["europepmc", "pubmed"],
    llmConcurrency: LLM_CONCURRENCY,
    cacheDir: join(scratch, "cache"),
    logLevel: "warn",
  };
  return resolveConfig({ flags, env, cwd: scratch });
}

async function runBatch(concurrency: number, questionsText: string, apis: FakeApis): Promise<BatchMeasurement> {
  const scratch = await mkdtemp(join(tmpdir(), "litreview-bench-batch-"));
  // No user or project configuration: HOME and the XDG directories are the scratch directory.
  const env: NodeJS.ProcessEnv = { HOME: scratch, XDG_CONFIG_HOME: scratch, XDG_CACHE_HOME: scratch, XDG_STATE_HOME: scratch };
  const io: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env, cwd: scratch };
  const outDir = join(scratch, "out");
  try {
    await mkdir(outDir);
    const before = await settledResources(openResources());
    const config = benchConfig(apis, scratch, env);
    const questions: BatchQuestionRun[] = parseBatchInput(questionsText, "bench questions", config.maxQuestionLength).map((question) => ({ ...question, config }));

    let peakRss = process.memoryUsage.rss();
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, 100);
    const started = performance.now();
    // As batch's action does: one logger, one source context, one LLM pool, closed at the end.
    const logger = createLogger(config.logLevel, io.stderr);
    // Stands in for the Ctrl-C signal batch passes; no bench run is interrupted.
    const controller = new AbortController();
    const sources = { ...createSourceContext(config, io, logger), signal: controller.signal };
    const batch: BatchRun = {
      run: { logger, live: undefined, sources, llm: createFakeLlmPool({ concurrency: config.llmConcurrency, latency: LATENCY.llm }), close: () => sources.http.close() },
      progress: logBatchProgress(),
      outDir,
      shownDir: outDir,
    };
    const limit = pLimit(concurrency);
    const summaries: SummaryLine[] = [];
    try {
      await Promise.all(
        questions.map((question) =>
          limit(async () => {
            const summary = await reviewOne(question, batch);
            if (summary) summaries.push(summary);
          }),
        ),
      );
    } finally {
      await batch.run.close();
    }
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    const after = await settledResources(before);

    let missingOutputs = 0;
    for (const question of questions) {
      const complete = await Promise.all([`${question.id}.md`, `${question.id}.json`].map((name) => stat(join(outDir, name)).then((file) => file.size > 0, () => false)));
      if (!complete.every(Boolean)) missingOutputs += 1;
    }
    return {
      concurrency,
      questions: questions.length,
      wallMs,
      perMinute: questions.length / (wallMs / 60_000),
      peakRssMb: peakRss / 2 ** 20,
      summaries,
      missingOutputs,
      llmCalls: summaries.reduce((sum, summary) => sum + summary.llmCalls, 0),
      before,
      after,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

function verdict(pass: boolean): string {
  return pass ? "PASS" : "MISS";
}

function statusCounts(summaries: readonly SummaryLine[]): string {
  const counts = new Map<string, number>();
  for (const summary of summaries) counts.set(summary.status, (counts.get(summary.status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count} ${status}`).join(", ");
}

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const queries = (await loadPubMedQaQueries()).slice(0, QUESTIONS);
  // JSONL with the PubMedQA ids, parsed by batch's own input reader.
  const questionsText = (count: number) =>
    queries
      .slice(0, count)
      .map((query) => JSON.stringify({ id: query._id, question: query.text }))
      .join("\n");
  const fixtures = await loadApiFixtures();
  const apis = await startFakeApis(fixtures);
  console.log(`${queries.length} PubMedQA dev questions; batch --depth quick --top-k ${TOP_K} --sources europepmc,pubmed --library fixtures/pubmedqa/corpus.jsonl --llm-concurrency ${LLM_CONCURRENCY}`);
  console.log(`fake LLM ${LATENCY.llm.ms} ± ${LATENCY.llm.jitterMs} ms per call; fake Europe PMC and NCBI over loopback HTTP, ${LATENCY.apiMs} ms per request, their documented rate limits; HTTP cache on (fresh per run)`);
  console.log(`concurrency 1 runs the first ${SEQUENTIAL_QUESTIONS} questions, concurrency ${CONCURRENCY} all ${queries.length}\n`);

  let runs: BatchMeasurement[];
  try {
    runs = [await runBatch(1, questionsText(SEQUENTIAL_QUESTIONS), apis), await runBatch(CONCURRENCY, questionsText(queries.length), apis)];
  } finally {
    await apis.close();
  }
  const [sequential, parallel] = runs as [BatchMeasurement, BatchMeasurement];
  const speedup = parallel.perMinute / sequential.perMinute;

  const rows: string[][] = [
    ["concurrency", "questions", "wall (s)", "questions/min", "s/question", "LLM calls", "peak RSS (MB)", "outcomes", "fds before→after", "handles before → after"],
    ...runs.map((run) => [
      String(run.concurrency),
      String(run.questions),
      (run.wallMs / 1000).toFixed(1),
      run.perMinute.toFixed(1),
      (run.wallMs / 1000 / run.questions).toFixed(2),
      String(run.llmCalls),
      run.peakRssMb.toFixed(0),
      statusCounts(run.summaries),
      `${run.before.fds}→${run.after.fds}`,
      `${describeResources(run.before)} → ${describeResources(run.after)}`,
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ").trimEnd());
  console.log(`\nspeedup at concurrency ${CONCURRENCY}: ${speedup.toFixed(2)}x (questions per minute)`);
  console.log(`API requests answered: ${[...apis.requests].map(([label, count]) => `${label} ${count}`).join(", ")}`);
  for (const url of apis.unrouted) console.log(`note: the fake APIs had no recorded answer for ${url} (answered 404)`);

  const failed = runs.flatMap((run) => run.summaries.filter((summary) => summary.status === "failed"));
  for (const summary of failed.slice(0, 5)) console.log(`note: ${summary.id} failed: ${summary.reason ?? "?"}`);

  console.log("\ntargets");
  const targets: Array<[string, boolean]> = [
    [`speedup at concurrency ${CONCURRENCY} at least ${TARGETS.speedup}x (${speedup.toFixed(2)}x)`, speedup >= TARGETS.speedup],
    ...runs.map((run): [string, boolean] => [`no file descriptor leak at concurrency ${run.concurrency} (${run.before.fds} before, ${run.after.fds} after)`, run.before.fds === run.after.fds]),
    ...runs.map((run): [string, boolean] => [
      `no handle or socket leak at concurrency ${run.concurrency} (${describeResources(run.before)} before; ${describeResources(run.after)} after)`,
      describeResources(run.before) === describeResources(run.after),
    ]),
    [
      "every question finished with a .md and a .json, none failed",
      runs.every((run) => run.summaries.length === run.questions && run.missingOutputs === 0) && failed.length === 0,
    ],
  ];
  for (const [description, pass] of targets) console.log(`${verdict(pass)}  ${description}`);
  console.log(`\nbench took ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
}

await main();
