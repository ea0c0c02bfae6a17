// `npm run bench:agent`: the agent's own overhead, and its wall time against the critical path.
// One full `reviewQuestion` (LLM mode, --depth standard, Europe PMC + PubMed, the PubMedQA corpus
// as local library) for one PubMedQA dev question, run twice in one process over in-process fakes
// (src/bench/fakes.ts, shared with bench:batch):
// a fake LLM (answers by schema, bounded concurrency like the real client, a budget reservation
// per call) and a fake HTTP client serving the real recorded responses in fixtures/api/ and
// fixtures/jats/. Run 1 has no latency: what is left is the tool's own CPU time and memory. Run 2
// injects 300 ms per API call and 2 s per LLM call and compares the wall time with the critical path.
// Own CPU is process.cpuUsage() over the run, user + system, all threads (V8 compiles and collects
// garbage on helper threads too, so it can exceed the wall time); memory is the process's peak RSS.
//
// Critical path (a lower bound on the wall time of run 2). Every fake call is recorded with when it
// was asked for, when it started (for LLM calls: when a concurrency slot was free) and when it
// ended. Call B is taken to have had to wait for call A when A ended before B started and either
//   - B needs A's result by the pipeline's data flow (NEEDS below: a search needs the plan or the
//     assessment it runs the queries of; PubMed's efetch needs its esearch; a full-text fetch needs
//     the search results, and the previous full-text route of the same paper; evidence needs the
//     papers read, the plan and the hypothetical answers it is ranked with; the assessment needs
//     the evidence; the answer needs the evidence and the assessment that ended the loop; the
//     Chain-of-Verification plan needs the draft answer, and its searches and evidence need the
//     plan; each claim check needs the final answer), or
//   - B is an LLM call that found every slot taken when it was asked for, and A is the call whose
//     slot it got (so n calls in a burst take ceil(n / concurrency) waves).
// The rules are about what each step consumes, not about the order the agent happens to run them
// in, so an avoidable wait (say, hypothetical answers awaited before searching) does not count,
// while the phases and calls the agent actually ran (rounds, how many searches, fetches, evidence
// calls) are read from the recording. The critical path is the longest chain of calls under that
// relation, summing only the calls' own durations: time between calls (the tool's own work) is
// not part of it. A call with no rule in NEEDS counts as needing every call before it, and is named
// in the output. Full-text fetches also queue for gather.ts's own concurrency limit, which the
// fake HTTP client cannot see; those waits are not counted, so the bound errs low, by at most one
// API latency per extra wave. The phases printed (runs of overlapping calls) show where the time went.
import { performance } from "node:perf_hooks";
import { reviewQuestion } from "../agent/review-question.js";
import { ConfigSchema, DEPTH_PRESETS, type Config } from "../config.js";
import type { RunContext } from "../context.js";
import { Budget } from "../llm/budget.js";
import { createLogger } from "../log.js";
import { logProgress } from "../progress.js";
import type { Review } from "../review/schema.js";
import { endpointsFromConfig } from "../sources/context.js";
import { CallRecorder, FIXTURES, createFakeHttp, createFakeLlmPool, loadApiFixtures, loadPubMedQaQueries, type ApiFixtures, type CallRecord } from "./fakes.js";

/** "Does diabetes mellitus influence the efficacy of FDG-PET in the diagnosis of cervical cancer?": it shares words with the recorded cancer search. */
const QUESTION_ID = "q15703931";
const INJECTED_LATENCY = { apiMs: 300, llmMs: 2000 };
const TARGETS = { cpuSeconds: 1, wallOverCriticalPath: 1.3 };

// ---------------------------------------------------------------------------------------------
// The critical path.

const SEARCH_RESULTS = ["europepmc search", "pubmed efetch"];
const FULL_TEXT = ["europepmc fulltext", "pmc fulltext"];

/** What each call consumes, by the pipeline's data flow (see the header). */
const NEEDS: Record<string, readonly string[]> = {
  hypotheses: [],
  plan: ["evidence", "assess"],
  "europepmc search": ["plan", "assess", "verification-plan"],
  "pubmed esearch": ["plan", "assess", "verification-plan"],
  "pubmed efetch": ["pubmed esearch"],
  "europepmc fulltext": SEARCH_RESULTS,
  "pmc fulltext": SEARCH_RESULTS,
  evidence: ["hypotheses", "plan", "assess", "verification-plan", ...SEARCH_RESULTS, ...FULL_TEXT],
  assess: ["evidence"],
  answer: ["evidence", "assess"],
  "verification-plan": ["answer"],
  "verify-claim": ["answer"],
};

/** A call slower to start than this after it was asked for waited for a concurrency slot. */
const QUEUED_MS = 1;

function needs(later: CallRecord, earlier: CallRecord): boolean {
  const consumed = NEEDS[later.label];
  // A call nobody has described yet is taken to need everything before it: the bound then errs high, never silently low.
  if (consumed === undefined) return true;
  if (consumed.includes(earlier.label)) return true;
  return FULL_TEXT.includes(later.label) && FULL_TEXT.includes(earlier.label) && later.paper !== undefined && later.paper === earlier.paper;
}

/** The LLM call whose slot `call` got, when it had to queue for one. */
function slotDonor(call: CallRecord, calls: readonly CallRecord[]): CallRecord | undefined {
  if (call.kind !== "llm" || call.start - call.askedAt <= QUEUED_MS) return undefined;
  let donor: CallRecord | undefined;
  for (const other of calls) {
    // Busy (started or about to) when the call was asked for, and done by the time it started.
    const heldASlot = other.kind === "llm" && other !== call && other.start < call.start && other.end > call.askedAt && other.end <= call.start;
    if (heldASlot && (!donor || other.end > donor.end)) donor = other;
  }
  return donor;
}

interface CriticalPath {
  ms: number;
  chain: CallRecord[];
}

function criticalPath(calls: readonly CallRecord[]): CriticalPath {
  const ordered = [...calls].sort((a, b) => a.start - b.start);
  const finish = new Map<CallRecord, number>();
  const previous = new Map<CallRecord, CallRecord>();
  for (const call of ordered) {
    const donor = slotDonor(call, ordered);
    let longest = 0;
    for (const earlier of ordered) {
      if (earlier.end > call.start || !(earlier === donor || needs(call, earlier))) continue;
      const reached = finish.get(earlier) ?? 0;
      if (reached > longest) {
        longest = reached;
        previous.set(call, earlier);
      }
    }
    finish.set(call, longest + (call.end - call.start));
  }
  let last: CallRecord | undefined;
  for (const call of ordered) if (!last || (finish.get(call) ?? 0) > (finish.get(last) ?? 0)) last = call;
  const chain: CallRecord[] = [];
  for (let call = last; call; call = previous.get(call)) chain.unshift(call);
  return { ms: last ? (finish.get(last) ?? 0) : 0, chain };
}

/** Runs of overlapping calls, in time order. */
function phases(calls: readonly CallRecord[]): CallRecord[][] {
  const grouped: CallRecord[][] = [];
  let end = Number.NEGATIVE_INFINITY;
  for (const call of [...calls].sort((a, b) => a.start - b.start)) {
    const current = grouped[grouped.length - 1];
    if (current && call.start < end) {
      current.push(call);
      end = Math.max(end, call.end);
    } else {
      grouped.push([call]);
      end = call.end;
    }
  }
  return grouped;
}

/** "evidence ×5, assess" from a list of calls: consecutive calls of one label collapsed. */
function describeCalls(calls: readonly CallRecord[], inOrder: boolean): string {
  const runs: Array<{ label: string; count: number }> = [];
  for (const call of calls) {
    const run = inOrder ? runs[runs.length - 1] : runs.find((candidate) => candidate.label === call.label);
    if (run && run.label === call.label) run.count += 1;
    else runs.push({ label: call.label, count: 1 });
  }
  return runs.map((run) => (run.count > 1 ? `${run.label} ×${run.count}` : run.label)).join(inOrder ? " → " : ", ");
}

// ---------------------------------------------------------------------------------------------
// The runs.

interface Measurement {
  review: Review;
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
  calls: CallRecord[];
  unrouted: string[];
}

function benchConfig(): Config {
  return ConfigSchema.parse({
    ...DEPTH_PRESETS.standard,
    depth: "standard",
    library: [`${FIXTURES}pubmedqa/corpus.jsonl`],
    sources: ["europepmc", "pubmed"],
    cache: false,
    logLevel: "warn",
  });
}

async function measure(question: string, fixtures: ApiFixtures, latency: { apiMs: number; llmMs: number }): Promise<Measurement> {
  const config = benchConfig();
  const logger = createLogger(config.logLevel);
  const recorder = new CallRecorder();
  const endpoints = endpointsFromConfig(config);
  const budget = new Budget({});
  const llm = createFakeLlmPool({ concurrency: config.llmConcurrency, latency: { ms: latency.llmMs }, recorder }).client(budget);
  const context: RunContext = {
    config,
    logger,
    sources: { http: createFakeHttp(fixtures, endpoints, latency.apiMs, recorder), logger, endpoints, keys: {} },
    progress: logProgress(logger),
    version: "bench",
    now: () => new Date(),
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const review = await reviewQuestion(question, context, { llm, budget });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  // maxRSS (KiB) is the process's peak so far: sampling rss instead would cost CPU time of its own.
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  return { review, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMb, calls: recorder.calls, unrouted: recorder.unrouted };
}

function verdict(pass: boolean): string {
  return pass ? "PASS" : "MISS";
}

const seconds = (ms: number, digits = 2) => (ms / 1000).toFixed(digits);

async function main(): Promise<void> {
  const queries = await loadPubMedQaQueries();
  const question = queries.find((query) => query._id === QUESTION_ID)?.text;
  if (!question) throw new Error(`PubMedQA dev question ${QUESTION_ID} is missing from fixtures/pubmedqa/queries-dev.jsonl`);
  const fixtures = await loadApiFixtures();
  const config = benchConfig();
  console.log(`Question (PubMedQA dev ${QUESTION_ID}): ${question}`);
  console.log(`ask --depth ${config.depth}, sources ${config.sources?.join(" + ") ?? ""}, library fixtures/pubmedqa/corpus.jsonl, LLM concurrency ${config.llmConcurrency}`);
  console.log(`Run 1: no latency. Run 2: ${INJECTED_LATENCY.apiMs} ms per API call, ${INJECTED_LATENCY.llmMs} ms per LLM call.\n`);

  const fast = await measure(question, fixtures, { apiMs: 0, llmMs: 0 });
  const slow = await measure(question, fixtures, INJECTED_LATENCY);
  const path = criticalPath(slow.calls);

  const counts = (run: Measurement) => run.review.methods.counts;
  const llmCalls = (run: Measurement) => run.calls.filter((call) => call.kind === "llm");
  const apiCalls = (run: Measurement) => run.calls.filter((call) => call.kind === "api");
  const busyMs = (run: Measurement) => phases(run.calls).reduce((sum, phase) => sum + Math.max(...phase.map((call) => call.end)) - Math.min(...phase.map((call) => call.start)), 0);
  const both = (describe: (run: Measurement) => string): [string, string] => [describe(fast), describe(slow)];
  const rows: Array<[string, string, string]> = [
    ["", "no latency", "injected latency"],
    ["wall time (s)", ...both((run) => seconds(run.wallMs))],
    ["own CPU, user + system (s)", ...both((run) => seconds(run.cpuMs))],
    ["peak RSS of the process so far (MB)", ...both((run) => run.peakRssMb.toFixed(0))],
    ["papers read (full text)", ...both((run) => `${counts(run).papers} (${counts(run).fullText})`)],
    ["chunks", ...both((run) => String(counts(run).chunks))],
    ["passages judged", ...both((run) => String(counts(run).rankedChunks))],
    ["evidence kept", ...both((run) => String(counts(run).evidence))],
    ["rounds", ...both((run) => String(run.review.agent?.iterations ?? 0))],
    ["LLM calls", ...both((run) => String(llmCalls(run).length))],
    ["API calls", ...both((run) => String(apiCalls(run).length))],
    ["time with no call in flight (s)", ...both((run) => seconds(run.wallMs - busyMs(run)))],
    ["critical path (s)", "", seconds(path.ms)],
    ["wall time / critical path", "", `${(slow.wallMs / path.ms).toFixed(3)}x`],
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  for (const row of rows) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0))).join("  "));

  console.log(`\nstopped because ${slow.review.agent?.stopReason ?? "?"}`);
  console.log(`LLM calls: ${describeCalls(llmCalls(slow), false)}`);
  console.log(`API calls: ${describeCalls(apiCalls(slow), false)}`);
  console.log("\nphases of the injected-latency run (runs of overlapping calls)");
  for (const phase of phases(slow.calls)) {
    const start = Math.min(...phase.map((call) => call.start));
    const end = Math.max(...phase.map((call) => call.end));
    console.log(`  ${seconds(start).padStart(6)}–${seconds(end).padEnd(6)} s  ${describeCalls(phase, false)}`);
  }
  console.log(`\ncritical path: ${describeCalls(path.chain, true)}`);
  const undescribed = [...new Set(slow.calls.map((call) => call.label).filter((label) => NEEDS[label] === undefined))];
  if (undescribed.length > 0) console.log(`note: no data-flow rule for ${undescribed.join(", ")}; counted as needing every call before it (add them to NEEDS)`);
  for (const url of new Set([...fast.unrouted, ...slow.unrouted])) console.log(`note: the fake API had no recorded answer for ${url} (answered 404)`);

  const ratio = slow.wallMs / path.ms;
  const sameWork = JSON.stringify(counts(fast)) === JSON.stringify(counts(slow)) && llmCalls(fast).length === llmCalls(slow).length;
  console.log("\ntargets");
  const targets: Array<[string, boolean]> = [
    [`own CPU under ${TARGETS.cpuSeconds} s without latency (${seconds(fast.cpuMs)} s, ${(fast.cpuMs / 1000 / TARGETS.cpuSeconds).toFixed(2)}x the target)`, fast.cpuMs < TARGETS.cpuSeconds * 1000],
    [`wall time within ${TARGETS.wallOverCriticalPath}x the critical path with latency (${seconds(slow.wallMs)} s / ${seconds(path.ms)} s = ${ratio.toFixed(3)}x)`, ratio <= TARGETS.wallOverCriticalPath],
    ["both runs did the same work (counts and LLM calls), and the review is answered", sameWork && fast.review.status === "answered" && slow.review.status === "answered"],
  ];
  for (const [description, pass] of targets) console.log(`${verdict(pass)}  ${description}`);
}

await main();
