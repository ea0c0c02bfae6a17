// Run directories and `ask --resume`: the built CLI against the fake LLM and a local library, with
// every cache off, so that only the run directory can spare a resumed run its earlier requests.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, runCli, spawnCli } from "./helpers/cli.js";
import { fencedPassage, lysisScript, startAgentLlm, userMessage } from "./helpers/agent-llm.js";
import type { FakeChatRequest, FakeReply } from "./helpers/fake-llm.js";
import { makeTempDir } from "./helpers/temp.js";

const QUESTION = "What determines lysis time in bacteriophage lambda?";
const NO_SOURCES = ["--sources", "none", "--no-cache", "--format", "json"];
const LIBRARY = ["--library", "fixtures/jats", ...NO_SOURCES];

const schemaOf = (request: FakeChatRequest) => request.body.response_format?.json_schema?.name;

function fakeLlm(options: { sufficient: boolean; delayMs: number }) {
  const insufficient: FakeReply = { json: { sufficient: false, missing: ["host factors"], followCitations: false, queries: [] } };
  return startAgentLlm({ ...lysisScript(), ...(options.sufficient ? {} : { evidence_assessment: () => insufficient }) }, options.delayMs);
}

const env = (baseUrl: string) => ({ OPENAI_BASE_URL: baseUrl, LITREVIEW_MODEL: "fake-model" });

async function waitForFile(path: string, timeoutMs = 20_000): Promise<void> {
  for (const started = Date.now(); !existsSync(path); await sleep(5)) {
    if (Date.now() - started > timeoutMs) throw new Error(`${path} did not appear`);
  }
}

interface ResumedReview {
  status: string;
  answer: string;
  generatedAt: string;
  timings: Record<string, number>;
  usage: { calls: number };
  agent: { iterations: number; stopReason: string };
}

/**
 * A finished run with a model, in a fresh run directory. The library is given by its absolute path,
 * the form in which a run directory keeps it (and a rebuilt review shows it).
 */
async function finishedRun() {
  const llm = await fakeLlm({ sufficient: true, delayMs: 0 });
  const runDir = join(makeTempDir("litreview-resume-"), "run");
  const result = await runCli(["ask", QUESTION, "--library", join(REPO_ROOT, "fixtures/jats"), ...NO_SOURCES, "--top-k", "4", "--run-dir", runDir], { env: env(llm.baseUrl) });
  expect(result.code).toBe(0);
  for (const file of ["run.json", "agent.json", "answer.json", "review.json"]) expect(existsSync(join(runDir, file)), file).toBe(true);
  return { llm, runDir, stdout: result.stdout };
}

describe("ask --resume", () => {
  it("goes on after SIGINT from the last completed round, without judging a passage or planning a round again", async () => {
    const llm = await fakeLlm({ sufficient: false, delayMs: 100 });
    const runDir = join(makeTempDir("litreview-resume-"), "run");
    const first = spawnCli(["ask", QUESTION, ...LIBRARY, "--max-iterations", "3", "--top-k", "4", "--run-dir", runDir], env(llm.baseUrl));
    await waitForFile(join(runDir, "agent.json"));
    first.child.kill("SIGINT");
    const interrupted = await first.exited;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toBe("");
    expect(interrupted.stderr).toContain(`litreview: interrupted; resume with: litreview ask --resume ${runDir}\n`);
    const saved = JSON.parse(readFileSync(join(runDir, "agent.json"), "utf8")) as { iteration: number; stopReason: string | null };
    expect(saved.stopReason).toBeNull();
    expect(saved.iteration).toBeLessThan(3);

    const firstRequests = llm.completions();
    // The passages judged in the rounds that completed: evidence requests before the next round's plan.
    const plansBefore = firstRequests.flatMap((request, index) => (schemaOf(request) === "search_plan" ? [index] : []));
    const completedRoundsEnd = plansBefore[saved.iteration] ?? firstRequests.length;
    const judgedBefore = new Set(
      firstRequests
        .slice(0, completedRoundsEnd)
        .filter((request) => schemaOf(request) === "passage_evidence")
        .map(fencedPassage),
    );
    expect(judgedBefore.size).toBeGreaterThan(0);

    const resumed = await runCli(["ask", "--resume", runDir, "--no-cache", "--format", "json"], { env: env(llm.baseUrl) });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`litreview: resuming ${runDir} from agent.json: ${saved.iteration} round(s) done, going on with round ${saved.iteration + 1}`);
    const review = JSON.parse(resumed.stdout) as ResumedReview;
    expect(review).toMatchObject({ status: "answered", agent: { iterations: 3, stopReason: "--max-iterations 3 reached" } });
    expect(review.answer).toMatch(/^Lysis timing is set by the holin \[1\]\.$/);

    const resumedRequests = llm.completions().slice(firstRequests.length);
    const resumedEvidence = resumedRequests.filter((request) => schemaOf(request) === "passage_evidence");
    expect(resumedEvidence.length).toBeGreaterThan(0);
    for (const request of resumedEvidence) expect(judgedBefore.has(fencedPassage(request))).toBe(false);
    // One first-round plan and one set of hypothetical answers in both runs together.
    const all = llm.completions();
    expect(all.filter((request) => schemaOf(request) === "search_plan" && !userMessage(request).includes("Queries already run"))).toHaveLength(1);
    expect(all.filter((request) => schemaOf(request) === "hypothetical_answers")).toHaveLength(1);
    // The usage covers the calls made before the interrupt too.
    expect(review.usage.calls).toBeGreaterThan(resumedRequests.length);
  }, 60_000);

  it("prints a finished run's review again without any request, and rebuilds it from the draft answer alone", async () => {
    const { llm, runDir, stdout } = await finishedRun();
    const requests = llm.requests.length;
    const again = await runCli(["ask", "--resume", runDir, "--format", "json"], { env: env(llm.baseUrl) });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(stdout);
    expect(again.stderr).toContain(`litreview: resuming ${runDir} from the finished review (review.json)`);

    rmSync(join(runDir, "review.json"));
    const rebuilt = await runCli(["ask", "--resume", runDir, "--no-cache", "--format", "json"], { env: env(llm.baseUrl) });
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stderr).toContain("from the draft answer (answer.json): rebuilding the review without calling the model");
    const { generatedAt: _generated, timings: _timings, ...original } = JSON.parse(stdout) as ResumedReview;
    const { generatedAt: _generatedAgain, timings: _timingsAgain, ...fromDraft } = JSON.parse(rebuilt.stdout) as ResumedReview;
    expect(fromDraft).toEqual(original);
    expect(llm.requests.length).toBe(requests);
    expect(existsSync(join(runDir, "review.json"))).toBe(true);
  });

  it("refuses a damaged or foreign agent.json with one line naming it", async () => {
    const { llm, runDir } = await finishedRun();
    rmSync(join(runDir, "review.json"));
    rmSync(join(runDir, "answer.json"));
    const agentFile = join(runDir, "agent.json");
    const requests = llm.requests.length;
    const cases: [string, string][] = [
      ['{"iteration": 1, "collection": {"pap', "it is not valid JSON (a damaged file?)"],
      ['{"hello": "world"}', "not a litreview agent.json of this version"],
    ];
    for (const [content, message] of cases) {
      writeFileSync(agentFile, content);
      const result = await runCli(["ask", "--resume", runDir, "--no-cache"], { env: env(llm.baseUrl) });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr.split("\n").filter((line) => line !== "")).toEqual([expect.stringContaining(`litreview: error: cannot resume from ${agentFile}: ${message}`)]);
    }
    expect(llm.requests.length).toBe(requests);
  });

  it("resumes an extractive run from its gathered papers", async () => {
    const runDir = join(makeTempDir("litreview-resume-"), "run");
    const first = await runCli(["ask", QUESTION, ...LIBRARY, "--no-llm", "--run-dir", runDir]);
    expect(first.code).toBe(0);
    expect(existsSync(join(runDir, "collection.json"))).toBe(true);
    rmSync(join(runDir, "review.json"));
    const resumed = await runCli(["ask", "--resume", runDir, "--format", "json"]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain("from the papers gathered (collection.json)");
    const answer = (stdout: string) => (JSON.parse(stdout) as ResumedReview).answer;
    expect(answer(resumed.stdout)).toBe(answer(first.stdout));
  });

  it("needs a question or --resume, not both, and a run directory to resume", async () => {
    const cases: [string[], number, string][] = [
      [["ask"], 2, `litreview: error: missing required argument 'question' (in quotes, "-" to read it from stdin, or --resume RUN_DIR)`],
      [["ask", QUESTION, "--resume", "somewhere"], 2, "litreview: error: --resume takes the question from the run directory: give no question with it"],
      [["ask", "--resume", "fixtures/jats"], 1, "is not a litreview run directory (it has no run.json)"],
    ];
    for (const [args, code, message] of cases) {
      const result = await runCli(args);
      expect(result.code, args.join(" ")).toBe(code);
      expect(result.stderr).toContain(message);
    }
  });
});
