// `litreview batch`: the built CLI against the fake LLM and a local library of 1000 PubMedQA abstracts.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultId } from "../src/cli/batch-input.js";
import { terminalBatchProgress } from "../src/cli/batch-progress.js";
import { createLogger } from "../src/log.js";
import { ReviewSchema } from "../src/review/schema.js";
import type { SummaryLine } from "../src/cli/batch.js";
import { closedPort } from "./helpers/ports.js";
import { REPO_ROOT, runCli, spawnCli } from "./helpers/cli.js";
import { judgeBy, llmEnv, lysisScript, startAgentLlm, userMessage } from "./helpers/agent-llm.js";
import { makeTempDir } from "./helpers/temp.js";
import { Cite } from "@citation-js/core";
import "@citation-js/plugin-bibtex";

const CORPUS = join(REPO_ROOT, "fixtures/pubmedqa/corpus.jsonl");
const LIBRARY = ["--library", CORPUS, "--sources", "none"];
/** Small enough to be quick, large enough that each question makes a dozen LLM calls. */
const SMALL_RUN = ["--max-iterations", "1", "--top-k", "8", "--no-cache"];
const QUESTIONS: string[] = readFileSync(join(REPO_ROOT, "fixtures/pubmedqa/queries-dev.jsonl"), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => (JSON.parse(line) as { text: string }).text);


/** Any passage with a sentence of some length is relevant: batch tests are about the batch, not the answers. */
function fakeLlm(delayMs: number) {
  return startAgentLlm(
    {
      ...lysisScript(),
      passage_evidence: judgeBy(/\w/, 6),
      cited_answer: () => ({ json: { status: "answered", confidence: "low", answer: "The studies report an effect [E1]. It is small [E2].", findings: [], agreement: [], disagreement: [] } }),
    },
    delayMs,
  );
}

function summariesOf(stdout: string): SummaryLine[] {
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as SummaryLine);
}

/** The outputs of one question are complete: the JSON is a valid review of it, the Markdown ends with its references. */
function expectCompleteOutputs(dir: string, id: string, question: string): void {
  const review = ReviewSchema.parse(JSON.parse(readFileSync(join(dir, `${id}.json`), "utf8")));
  expect(review.question).toBe(question);
  const markdown = readFileSync(join(dir, `${id}.md`), "utf8");
  const headings = markdown.match(/^## .*$/gm) ?? [];
  expect(headings.at(-1)).toBe("## References");
  for (const reference of review.references) expect(markdown).toContain(`\n${reference.number}. `);
}

/** The files in an --out-dir besides the run directories (.runs). */
function outputFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name !== ".runs")
    .sort();
}

describe("litreview batch", () => {
  it("leaves no truncated output when Ctrl-C is pressed twice", async () => {
    const questions = QUESTIONS.slice(0, 8);
    const dir = makeTempDir("litreview-batch-twice-");
    const input = join(dir, "questions.txt");
    writeFileSync(input, `${questions.join("\n")}\n`);
    const out = join(dir, "out");
    // Slow model calls: after the first Ctrl-C the questions in flight would take a while to wind down.
    const llm = await fakeLlm(400);
    const run = spawnCli(["batch", input, "--out-dir", out, "--concurrency", "4", ...LIBRARY, ...SMALL_RUN], llmEnv(llm.baseUrl));
    await run.linesPrinted(1);
    run.child.kill("SIGINT");
    run.child.kill("SIGINT");
    const exited = await run.exited;
    expect(exited.code).toBe(130);
    // Each file is written atomically and the .json last: a question cut off between its two writes has a
    // complete .md and no .json (--resume redoes it); every .json has its .md, and nothing is truncated.
    const files = outputFiles(out).filter((name) => !name.startsWith("."));
    for (const name of files.filter((file) => file.endsWith(".json"))) {
      const id = name.slice(0, -".json".length);
      expect(files).toContain(`${id}.md`);
      const { question } = JSON.parse(readFileSync(join(out, name), "utf8")) as { question: string };
      expect(questions).toContain(question);
      expectCompleteOutputs(out, id, question);
    }
    for (const name of files.filter((file) => file.endsWith(".md"))) {
      expect(readFileSync(join(out, name), "utf8").match(/^## .*$/gm)?.at(-1)).toBe("## References");
    }
  });

  it("survives SIGINT midway and resumes without asking finished questions again", async () => {
    const questions = QUESTIONS.slice(0, 20);
    const dir = makeTempDir("litreview-batch-");
    const input = join(dir, "questions.txt");
    writeFileSync(input, `# twenty PubMedQA questions\n\n${questions.join("\n")}\n`);
    const out = join(dir, "out");
    const llm = await fakeLlm(25);
    const args = ["batch", input, "--out-dir", out, "--concurrency", "4", "--llm-concurrency", "4", ...LIBRARY, ...SMALL_RUN];

    const first = spawnCli(args, llmEnv(llm.baseUrl));
    await first.linesPrinted(3);
    first.child.kill("SIGINT");
    const interrupted = await first.exited;
    expect(interrupted.code).toBe(130);
    const done = summariesOf(interrupted.stdout);
    expect(interrupted.stderr).toContain(`litreview: interrupted: ${done.length} of 20 questions done; run the same command with --resume to finish\n`);
    expect(done.length).toBeGreaterThanOrEqual(3);
    expect(done.length).toBeLessThan(20);
    const requestsInFirstRun = llm.completions().length;

    const resumed = await runCli([...args, "--resume"], { env: llmEnv(llm.baseUrl) });
    expect(resumed.code).toBe(0);
    const second = summariesOf(resumed.stdout);
    expect(second).toHaveLength(20);
    const doneIds = new Set(done.map((summary) => summary.id));
    for (const summary of second) {
      expect(summary.resumed === true).toBe(doneIds.has(summary.id));
      expect(summary.status).not.toBe("failed");
    }

    // Every question ends with exactly one complete .md and one .json, and nothing else is left behind.
    const ids = questions.map((question) => defaultId(question));
    expect(outputFiles(out)).toEqual(ids.flatMap((id) => [`${id}.json`, `${id}.md`]).sort());
    questions.forEach((question, index) => expectCompleteOutputs(out, ids[index] ?? "", question));

    // The fake LLM's log: no question finished in the first run was asked again; every other one was.
    const secondRunRequests = llm.completions().slice(requestsInFirstRun);
    questions.forEach((question, index) => {
      const asked = secondRunRequests.filter((request) => userMessage(request).includes(question)).length;
      if (doneIds.has(ids[index] ?? "")) expect(asked, question).toBe(0);
      else expect(asked, question).toBeGreaterThan(0);
    });
  }, 120_000);

  it("makes ask exit 130 on SIGINT and 143 on SIGTERM, printing no review", async () => {
    const llm = await fakeLlm(60_000);
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      const ask = spawnCli(["ask", QUESTIONS[0] ?? "", ...LIBRARY, ...SMALL_RUN], llmEnv(llm.baseUrl));
      // The library is loaded and the plan request is waiting on the (slow) model.
      await ask.logged("loaded 1000 paper(s)");
      ask.child.kill(signal);
      const result = await ask.exited;
      expect(result.code).toBe(code);
      expect(result.stderr).toMatch(/litreview: interrupted; resume with: litreview ask --resume \S+\n$/);
      expect(result.stdout).toBe("");
    }
  });

  it("reads questions from stdin in a pipeline and prints one JSON line per question", async () => {
    const cwd = makeTempDir("litreview-batch-stdin-");
    const result = await runCli(["batch", "-", "--out-dir", "out", ...LIBRARY, "--no-llm"], { stdin: "q1\nq2\n", cwd, env: { LITREVIEW_CACHE_DIR: makeTempDir() } });
    expect(result.code).toBe(0);
    const summaries = summariesOf(result.stdout);
    expect(summaries.map((summary) => summary.id).sort()).toEqual([defaultId("q1"), defaultId("q2")].sort());
    for (const summary of summaries) {
      expect(["answered", "insufficient"]).toContain(summary.status);
      expect(summary).toMatchObject({ costUsd: 0, llmCalls: 0, paths: { markdown: `out/${summary.id}.md`, json: `out/${summary.id}.json` } });
      expect(summary.counts.papers).toBe(1000);
    }

    // --resume runs again only the question whose JSON is damaged.
    writeFileSync(join(cwd, "out", `${defaultId("q2")}.json`), '{"schemaVersion": "1", "question": "q2", "sta');
    const again = await runCli(["batch", "-", "--out-dir", "out", ...LIBRARY, "--no-llm", "--resume"], { stdin: "q1\nq2\n", cwd, env: { LITREVIEW_CACHE_DIR: makeTempDir() } });
    expect(again.code).toBe(0);
    const byId = new Map(summariesOf(again.stdout).map((summary) => [summary.id, summary]));
    expect(byId.get(defaultId("q1"))?.resumed).toBe(true);
    expect(byId.get(defaultId("q2"))?.resumed).toBeUndefined();
    expectCompleteOutputs(join(cwd, "out"), defaultId("q2"), "q2");
  });

  it("writes each question's cited references with --bib-format, also for questions finished before it was asked", async () => {
    const cwd = makeTempDir("litreview-batch-bib-");
    const args = ["batch", "-", "--out-dir", "out", "--library", join(REPO_ROOT, "fixtures/jats"), "--sources", "none", "--no-llm"];
    const stdin = "What determines lysis time in phage lambda?\nDoes PBDE-47 affect thyroid hormone?\n";
    const env = { LITREVIEW_CACHE_DIR: makeTempDir() };
    expect((await runCli(args, { stdin, cwd, env })).code).toBe(0);
    const again = await runCli([...args, "--resume", "--bib-format", "bibtex"], { stdin, cwd, env });
    expect(again.code).toBe(0);
    for (const summary of summariesOf(again.stdout)) {
      expect(summary).toMatchObject({ resumed: true, paths: { bibliography: `out/${summary.id}.bib` } });
      const review = ReviewSchema.parse(JSON.parse(readFileSync(join(cwd, "out", `${summary.id}.json`), "utf8")));
      const entries = new Cite(readFileSync(join(cwd, "out", `${summary.id}.bib`), "utf8")).data;
      // BibTeX spells the prime of "2,2′,4,4′" as an apostrophe (see formatBibliography).
      expect(entries.map((entry) => entry.title)).toEqual(review.references.map((reference) => reference.title.replaceAll("′", "'")));
    }
    const fresh = await runCli(["batch", "-", "--out-dir", "csl", "--library", join(REPO_ROOT, "fixtures/jats"), "--sources", "none", "--no-llm", "--bib-format", "csljson"], { stdin, cwd, env });
    const [first] = summariesOf(fresh.stdout);
    expect(first?.paths?.bibliography).toBe(`csl/${first?.id ?? ""}.csl.json`);
    expect(Array.isArray(JSON.parse(readFileSync(join(cwd, "csl", `${first?.id ?? ""}.csl.json`), "utf8")))).toBe(true);
  });

  it("takes ids and per-question settings from JSONL", async () => {
    const dir = makeTempDir("litreview-batch-jsonl-");
    const input = join(dir, "questions.jsonl");
    const [first = "", second = ""] = QUESTIONS;
    writeFileSync(
      input,
      [
        JSON.stringify({ id: "mammo/graphy 1", question: first, topK: 5 }),
        "# budgets are per question",
        JSON.stringify({ id: "hdl", question: second, maxLlmCalls: 4 }),
      ].join("\n"),
    );
    const llm = await fakeLlm(0);
    const result = await runCli(["batch", input, "--out-dir", join(dir, "out"), ...LIBRARY, ...SMALL_RUN], { env: llmEnv(llm.baseUrl) });
    expect(result.code).toBe(0);
    expect(summariesOf(result.stdout).map((summary) => summary.id).sort()).toEqual(["hdl", "mammo-graphy-1"]);

    const review = (id: string) => ReviewSchema.parse(JSON.parse(readFileSync(join(dir, "out", `${id}.json`), "utf8")));
    expect(review("mammo-graphy-1").methods.ranking.topK).toBe(5);
    expect(review("hdl").methods.ranking.topK).toBe(8);
    const askedAbout = (question: string) => llm.completions().filter((request) => userMessage(request).includes(question)).length;
    expect(askedAbout(second)).toBeLessThanOrEqual(4);
    expect(review("hdl").agent?.stopReason).toBe("the LLM call budget (--max-llm-calls 4) is spent");
    // The first question's budget was its own: it made more calls than the second was allowed.
    expect(askedAbout(first)).toBeGreaterThan(4);
  });

  it("rejects a bad JSONL line with exit code 2, naming the line, before any work", async () => {
    const dir = makeTempDir("litreview-batch-bad-");
    const llm = await fakeLlm(0);
    const cases: [string, string][] = [
      [JSON.stringify({ question: "Is it?", maxIterations: 99 }), `invalid value for "maxIterations" in ${join(dir, "q.jsonl")} line 3: 99; allowed: a whole number from 1 to 20`],
      [JSON.stringify({ question: "Is it?", colour: "red" }), `${join(dir, "q.jsonl")} line 3: unknown field "colour"; allowed: id, question,`],
      ["Is it a plain line?", `${join(dir, "q.jsonl")} line 3: not a JSON object`],
      [JSON.stringify({ id: "A", question: "Again?" }), `${join(dir, "q.jsonl")} line 3: the id "A" is already used by line 1`],
    ];
    for (const [badLine, message] of cases) {
      writeFileSync(join(dir, "q.jsonl"), `${JSON.stringify({ id: "a", question: "First?" })}\n\n${badLine}\n`);
      const result = await runCli(["batch", join(dir, "q.jsonl"), "--out-dir", join(dir, "out"), ...LIBRARY], { env: llmEnv(llm.baseUrl) });
      expect(result.code, badLine).toBe(2);
      expect(result.stderr).toContain(`litreview: error: ${message}`);
      expect(result.stdout).toBe("");
    }
    const empty = await runCli(["batch", "-", "--out-dir", join(dir, "out"), ...LIBRARY], { stdin: "# nothing\n\n", env: llmEnv(llm.baseUrl) });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("litreview: error: no questions in stdin");
    expect(readdirSync(dir)).toEqual(["q.jsonl"]);
    expect(llm.requests).toHaveLength(0);
  });

  it("records a question whose sources all fail as failed, finishes the others, and exits 1", async () => {
    const dir = makeTempDir("litreview-batch-fail-");
    const input = join(dir, "questions.jsonl");
    const [first = "", second = ""] = QUESTIONS;
    writeFileSync(
      input,
      [
        JSON.stringify({ id: "good-1", question: first }),
        JSON.stringify({ id: "offline", question: "Does anything answer?", sources: ["europepmc"], library: [] }),
        JSON.stringify({ id: "good-2", question: second }),
      ].join("\n"),
    );
    const port = await closedPort();
    const result = await runCli(["batch", input, "--out-dir", join(dir, "out"), ...LIBRARY, "--no-llm"], {
      env: { LITREVIEW_CACHE_DIR: makeTempDir(), LITREVIEW_EUROPEPMC_URL: `http://127.0.0.1:${port}/rest` },
    });
    expect(result.code).toBe(1);
    const byId = new Map(summariesOf(result.stdout).map((summary) => [summary.id, summary]));
    expect(byId.get("offline")).toEqual({
      id: "offline",
      status: "failed",
      answer: "",
      reason: expect.stringContaining("Europe PMC") as unknown,
      counts: { papers: 0, fullText: 0, evidence: 0, cited: 0 },
      costUsd: 0,
      llmCalls: 0,
    });
    for (const id of ["good-1", "good-2"]) expect(byId.get(id)?.status).not.toBe("failed");
    expect(outputFiles(join(dir, "out"))).toEqual(["good-1.json", "good-1.md", "good-2.json", "good-2.md"]);
  });
});

describe("batch progress on a terminal", () => {
  it("shows one line per running question and a total line, redrawn in place", () => {
    let written = "";
    const stream = Object.assign(new PassThrough(), { columns: 120 });
    stream.on("data", (chunk: Buffer) => (written += chunk.toString()));
    let clock = 0;
    const display = terminalBatchProgress(stream, 3, () => clock);
    const logger = createLogger("info", display.logStream);
    const first = display.question("first", logger);
    display.question("second", logger).step("round 1", { round: 1, found: 12, costUsd: 0.5 });
    clock = 2000;
    first.step("round 1", { round: 1, found: 3, costUsd: 0.25 });
    const lastBlock = () => written.slice(written.lastIndexOf("\x1b[0J") + 4);
    expect(lastBlock()).toBe("  first · round 1 · 3 found · $0.2500 · 2 s\n  second · round 1 · 12 found · $0.5000 · 2 s\nlitreview: 0 done · 0 failed · 3 remaining · 2 s · $0.7500\n");
    logger.info("a log line");
    // The block is erased (three lines up), the log line written, the block drawn again below it.
    expect(written).toContain("\r\x1b[3A\x1b[0Jlitreview: a log line\n  first");
    display.finished({ failed: true, costUsd: 0.25 });
    first.stop();
    expect(lastBlock()).toBe("  second · round 1 · 12 found · $0.5000 · 2 s\nlitreview: 0 done · 1 failed · 2 remaining · 2 s · $0.7500\n");
    display.stop();
    expect(lastBlock()).toBe("");
  });
});
