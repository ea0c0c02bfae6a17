// `litreview eval litqa2` and `eval pubmedqa`: the built CLI against the scripted fake LLM and small
// local libraries (fixtures/litqa2/library, fixtures/pubmedqa/eval-library.jsonl). The script decides
// every answer, so each metric is known by hand; the harness is tested, not the model.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INSUFFICIENT_OPTION, readLitqa2Questions, shownOptions, type Litqa2Line } from "../src/eval/litqa2.js";
import type { PubmedqaLine } from "../src/eval/pubmedqa.js";
import type { FakeChatRequest, FakeReply } from "./helpers/fake-llm.js";
import { fencedPassage, llmEnv, lysisScript, startAgentLlm, userMessage } from "./helpers/agent-llm.js";
import { REPO_ROOT, runCli, spawnCli } from "./helpers/cli.js";
import { startScholarlyServers } from "./helpers/scholarly.js";
import { makeTempDir } from "./helpers/temp.js";

const LITQA2 = join(REPO_ROOT, "fixtures/litqa2/litqa2-train-head.jsonl");
const LITQA2_LIBRARY = ["--library", join(REPO_ROOT, "fixtures/litqa2/library"), "--sources", "none"];
const PUBMEDQA = join(REPO_ROOT, "fixtures/pubmedqa/pqal-dev-subset.json");
const PUBMEDQA_LIBRARY = ["--library", join(REPO_ROOT, "fixtures/pubmedqa/eval-library.jsonl"), "--sources", "none"];
/** One round, one question-run at a time: the script's answers come in a known order. */
const SMALL_RUN = ["--max-iterations", "1", "--concurrency", "1"];
/** A price for the fake model, so that costs are numbers. */
const PRICED = { LITREVIEW_LLM_PRICES: JSON.stringify({ "fake-model": { input: 1, output: 2 } }) };

/** The research question of any request: the pipeline's steps say "Research question:", the grading calls "Question:". */
const questionOf = (request: FakeChatRequest): string => /^(?:Research question|Question): (.*)$/m.exec(userMessage(request))?.[1] ?? "";

/** An evidence judge: a passage is relevant to a question when it holds that question's marker sentence. */
function judgeByMarker(markers: [question: string, marker: string][]): (request: FakeChatRequest) => FakeReply {
  return (request) => {
    const question = questionOf(request);
    const marker = markers.find(([part]) => question.includes(part))?.[1];
    if (!marker || !fencedPassage(request).includes(marker)) return { json: { relevance: 0, summary: "", quote: "" } };
    return { json: { relevance: 8, summary: `The passage reports: ${marker}`, quote: marker } };
  };
}

/** An answer citing the first evidence item, except for questions matching `uncited`: their answer cites nothing. */
function answerCitingE1(uncited: string): (request: FakeChatRequest) => FakeReply {
  return (request) => ({
    json: {
      status: "answered",
      confidence: "medium",
      answer: questionOf(request).includes(uncited) ? "The studies point one way." : "The evidence answers this [E1].",
      findings: [],
      agreement: [],
      disagreement: [],
    },
  });
}

// LitQA2, the first five questions of fixtures/litqa2/litqa2-train-head.jsonl, and what the library holds of each source paper:
//   Q1 lwoffii   Markdown, full text, key passage           evidence, cited    → the ideal answer (correct)
//   Q2 Cas9      corpus line, abstract only, key passage    evidence, uncited  → a distractor (wrong)
//   Q3 mandarin  not in the library (evidence from a note without DOI)        → the ideal answer (correct, unsupported)
//   Q4 H3.3K36R  Markdown, full text, no key passage        no evidence        → insufficient information
//   Q5 adr       Markdown, key passage over three chunks    no evidence        → "Z", not an option (no valid choice)
const Q1 = "e3b5a4af-41d9-48db-becf-29a08d0ad28e";
const Q2 = "39129e1c-096f-4414-bf4f-37fadbbe364c";
const Q3 = "27234279-f50c-4cfc-86e2-af68364a8f94";
const Q4 = "517e7cf8-c5d2-4391-9e2a-235b79d93050";
const Q5 = "cb710074-73a8-4407-b0c7-7dc868f1bc76";
const Q6_TEXT = "Are enhancer and promoter sequences broadly compatible";

/** The option text to choose for a question, the n-th time the model is asked it. */
type Chooser = (question: string, asked: number) => string;

const FIRST_RUN_CHOICES: Chooser = (question) => {
  if (question.includes("lwoffii")) return "ciproflaxin";
  if (question.includes("Cas9")) return "31% of gene loci";
  if (question.includes("mandarin")) return "12,300";
  if (question.includes("H3.3K36R")) return INSUFFICIENT_OPTION;
  return "Z";
};

function litqa2Llm(choose: Chooser, delayMs = 0) {
  const asked = new Map<string, number>();
  return startAgentLlm(
    {
      ...lysisScript(),
      passage_evidence: judgeByMarker([
        ["lwoffii", "A. lwoffii only evolved resistance to ciprofloxacin"],
        ["Cas9", "61% of total gene phenotypes"],
        ["mandarin", "Test note on citrus genomes"],
      ]),
      cited_answer: answerCitingE1("Cas9"),
      multiple_choice_answer: (request) => {
        const question = questionOf(request);
        const times = (asked.get(question) ?? 0) + 1;
        asked.set(question, times);
        const options = [...userMessage(request).matchAll(/^([A-Z])\) (.*)$/gm)];
        const wanted = choose(question, times);
        return { json: { letter: options.find((option) => option[2] === wanted)?.[1] ?? wanted } };
      },
    },
    delayMs,
  );
}

function litqa2Args(out: string, ...more: string[]): string[] {
  return ["eval", "litqa2", "--questions", LITQA2, "--limit", "5", ...LITQA2_LIBRARY, ...SMALL_RUN, "--out", out, ...more];
}

function readLines<Line>(out: string): Line[] {
  return readFileSync(join(out, "questions.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Line);
}

const readResults = (out: string) => JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as Record<string, unknown> & { stageRecall: Record<string, { recall: number | null }> };

const recallOf = (results: ReturnType<typeof readResults>) => Object.fromEntries(Object.entries(results.stageRecall).map(([stage, value]) => [stage, value.recall]));

/** The stage recall of the five LitQA2 question-runs above (each run alike). */
const LITQA2_RECALL = { found: 0.8, screened: 0.8, fullText: 0.6, topK: 0.8, keyPassage: 0.6, evidence: 0.4, cited: 0.2 };

describe("litreview eval litqa2", () => {
  it("runs five questions end to end and writes results.json, questions.jsonl and report.md with the hand-computed metrics", async () => {
    const llm = await litqa2Llm(FIRST_RUN_CHOICES);
    const out = join(makeTempDir(), "litqa2-eval");
    const result = await runCli(litqa2Args(out), { env: { ...llmEnv(llm.baseUrl), ...PRICED } });
    expect(result.code, result.stderr).toBe(0);

    // Q1 and Q3 correct, Q2 wrong, Q4 and Q5 unanswered: accuracy 2/5, precision 2/3, coverage 3/5.
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(result.stdout.trim().split("\n")).toHaveLength(1);
    expect(summary).toMatchObject({ benchmark: "litqa2", accuracy: 0.4, coverage: 0.6, questions: 5, runs: 1, questionRuns: 5, failed: 0, out });
    expect(summary.precision).toBeCloseTo(2 / 3, 12);

    const results = readResults(out);
    expect(Object.keys(results).slice(0, 4)).toEqual(["benchmark", "accuracy", "precision", "coverage"]);
    expect(results).toMatchObject({ accuracy: 0.4, coverage: 0.6, seeds: [1], runs: 1, questions: 5, questionRuns: 5, failed: 0, data: LITQA2 });
    expect(results.perRun).toEqual([{ run: 1, seed: 1, questions: 5, correct: 2, answered: 3, accuracy: 0.4, precision: 2 / 3, coverage: 0.6 }]);
    expect(results.spread).toMatchObject({ accuracy: { n: 1, mean: 0.4, std: null, min: 0.4, max: 0.4 } });
    expect(recallOf(results)).toEqual(LITQA2_RECALL);
    expect(results.configuration).toMatchObject({ benchmark: "litqa2", seed: 1, model: { model: "fake-model" }, pipeline: { sources: [], maxIterations: 1 } });

    const lines = readLines<Litqa2Line>(out);
    expect(lines.map((line) => line.id)).toEqual([Q1, Q2, Q3, Q4, Q5]);
    const byId = new Map(lines.map((line) => [line.id, line]));
    const questions = await readLitqa2Questions(LITQA2);
    for (const line of lines) {
      // The recorded seed reproduces the order the model was shown, and the letters name the options.
      const question = questions.find((item) => item.id === line.id);
      if (!question) throw new Error(`unknown id ${line.id}`);
      expect(line.options).toEqual(shownOptions(question, 1).options);
      expect(line.options[line.idealLetter.charCodeAt(0) - 65]).toBe(question.ideal);
      if (line.chosen !== null) expect(line.options[line.chosen.charCodeAt(0) - 65]).toBe(line.chosenText);
      expect(line).toMatchObject({ run: 1, seed: 1, outcome: "judged" });
    }
    expect(byId.get(Q1)).toMatchObject({ chosenText: "ciproflaxin", correct: true, answered: true, reviewStatus: "answered" });
    expect(byId.get(Q1)?.stages).toEqual({ found: true, screened: true, fullText: true, topK: true, keyPassage: true, evidence: true, cited: true });
    expect(byId.get(Q2)).toMatchObject({ chosenText: "31% of gene loci", correct: false, answered: true });
    expect(byId.get(Q2)?.stages).toEqual({ found: true, screened: true, fullText: false, topK: true, keyPassage: true, evidence: true, cited: false });
    expect(byId.get(Q3)).toMatchObject({ chosenText: "12,300", correct: true, answered: true });
    expect(byId.get(Q3)?.stages).toEqual({ found: false, screened: false, fullText: false, topK: false, keyPassage: false, evidence: false, cited: false });
    expect(byId.get(Q4)).toMatchObject({ chosenText: INSUFFICIENT_OPTION, correct: false, answered: false, reviewStatus: "insufficient" });
    expect(byId.get(Q4)?.stages).toMatchObject({ found: true, fullText: true, topK: true, keyPassage: false, evidence: false });
    // The long key passage of Q5 is covered only by its three chunks together.
    expect(byId.get(Q5)).toMatchObject({ chosen: null, chosenText: null, correct: false, answered: false });
    expect(byId.get(Q5)?.error).toMatch(/^no valid choice \(invalid-output\)/);
    expect(byId.get(Q5)?.stages).toMatchObject({ found: true, topK: true, keyPassage: true, evidence: false });

    // Costs: every line priced, the total their sum.
    const costs = lines.map((line) => line.costUsd ?? Number.NaN);
    expect(costs.every((cost) => cost > 0)).toBe(true);
    expect(results.costUsd).toBeCloseTo(costs.reduce((sum, cost) => sum + cost, 0), 9);
    expect(results.llmCalls).toBe(lines.reduce((sum, line) => sum + line.llmCalls, 0));

    // The grading call: step eval-choice, schema multiple_choice_answer, the review fenced as data.
    const choices = llm.completions().filter((request) => request.body.response_format?.json_schema?.name === "multiple_choice_answer");
    expect(choices.length).toBe(6); // five questions, and the repair round of Q5's invalid letter
    expect(userMessage(choices[0] as FakeChatRequest)).toMatch(/\nReview:\n<<<DATA review nonce=\w+>>>\nAnswer: /);
    // --limit 5: the sixth question was never asked.
    expect(llm.completions().some((request) => userMessage(request).includes(Q6_TEXT))).toBe(false);

    const report = readFileSync(join(out, "report.md"), "utf8");
    expect(report).toMatch(/^# LitQA2 evaluation\n/);
    expect(report).toContain("| accuracy | 0.400 | – | 0.400 | 0.400 |");
    expect(report).toContain("| precision | 0.667 | – | 0.667 | 0.667 |");
    expect(report).toContain("| found by search | 4 / 5 | 0.800 |");
    expect(report).toContain("| key passage in the top-k passages | 3 / 5 | 0.600 |");
    expect(report).toContain("| cited in the review's text | 1 / 5 | 0.200 |");
    for (const id of [Q1, Q2, Q3, Q4, Q5]) expect(report).toContain(`| ${id} |`);
    expect(existsSync(join(out, "runs", `${Q1}-run1`, "review.json"))).toBe(true);

    expect(result.stderr).toContain(`eval litqa2: 5 question-run(s), 0 done earlier; results in ${out}`);
    expect(result.stderr).toMatch(/\[e3b5a4af-41d9-48db-becf-29a08d0ad28e-run1\] correct: chose [A-E] \(ciproflaxin\), the answer is [A-E] · 1 of 5 done · \$\d+\.\d{4} so far/);
  });

  it("reports the spread over --runs, adds no request when run again, and refuses other settings in the same --out", async () => {
    // Q2 is answered wrongly the first time it is asked and rightly the second: run 2 scores 3/5 correct, 3 answered.
    const llm = await litqa2Llm((question, asked) => (question.includes("Cas9") && asked > 1 ? "61% of gene loci" : FIRST_RUN_CHOICES(question, asked)));
    const out = join(makeTempDir(), "out");
    const env = llmEnv(llm.baseUrl);
    const first = await runCli(litqa2Args(out, "--runs", "2"), { env });
    expect(first.code, first.stderr).toBe(0);
    const results = readResults(out);
    expect(results).toMatchObject({ runs: 2, questions: 5, questionRuns: 10, seeds: [1, 2], costUsd: null });
    expect(results.perRun).toEqual([
      { run: 1, seed: 1, questions: 5, correct: 2, answered: 3, accuracy: 0.4, precision: 2 / 3, coverage: 0.6 },
      { run: 2, seed: 2, questions: 5, correct: 3, answered: 3, accuracy: 0.6, precision: 1, coverage: 0.6 },
    ]);
    const spread = results.spread as Record<string, { n: number; mean: number; std: number; min: number; max: number }>;
    expect(results.accuracy).toBeCloseTo(0.5, 12);
    expect(results.precision).toBeCloseTo(5 / 6, 12);
    expect(results.coverage).toBeCloseTo(0.6, 12);
    expect(spread.accuracy?.std).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(spread.precision?.std).toBeCloseTo(1 / 3 / Math.SQRT2, 12);
    expect(spread.coverage?.std).toBeCloseTo(0, 12);
    expect(spread.accuracy).toMatchObject({ n: 2, min: 0.4, max: 0.6 });
    expect(recallOf(results)).toEqual(LITQA2_RECALL);
    // Each run shuffles with its own seed.
    const lines = readLines<Litqa2Line>(out);
    expect(lines.filter((line) => line.run === 2).every((line) => line.seed === 2)).toBe(true);
    const orders = (run: number) => lines.filter((line) => line.run === run).map((line) => line.options.join("|"));
    expect(orders(1)).not.toEqual(orders(2));

    const requests = llm.completions().length;
    const again = await runCli(litqa2Args(out, "--runs", "2"), { env });
    expect(again.code, again.stderr).toBe(0);
    expect(llm.completions().length).toBe(requests);
    expect(JSON.parse(again.stdout)).toEqual(JSON.parse(first.stdout));
    expect(again.stderr).toContain("10 question-run(s), 10 done earlier");

    const otherSeed = await runCli(litqa2Args(out, "--runs", "2", "--seed", "5"), { env });
    expect(otherSeed.code).toBe(2);
    expect(otherSeed.stderr.trim().split("\n").at(-1)).toBe(`litreview: error: ${out} holds results of other settings (seed: 1 → 5): use another --out, or remove ${out} to start over`);
    const otherDepth = await runCli(litqa2Args(out, "--top-k", "10"), { env });
    expect(otherDepth.code).toBe(2);
    expect(otherDepth.stderr).toContain("(pipeline.topK: 30 → 10)");
    expect(llm.completions().length).toBe(requests);
  }, 60_000);

  it("stops cleanly on Ctrl-C and resumes without asking finished question-runs again", async () => {
    const llm = await litqa2Llm(FIRST_RUN_CHOICES, 150);
    const out = join(makeTempDir(), "out");
    const env = llmEnv(llm.baseUrl);
    const first = spawnCli(litqa2Args(out), env);
    await first.logged("1 of 5 done");
    first.child.kill("SIGINT");
    const interrupted = await first.exited;
    expect(interrupted.code).toBe(130);
    const done = readLines<Litqa2Line>(out);
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(done.length).toBeLessThan(5);
    expect(interrupted.stderr).toContain(`litreview: interrupted: ${done.length} of 5 question-runs done (cost so far unknown (a model has no price)); run the same command again to resume\n`);
    expect(interrupted.stdout).toBe("");
    const requestsBefore = llm.completions().length;

    const resumed = await runCli(litqa2Args(out), { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ accuracy: 0.4, coverage: 0.6, questionRuns: 5 });
    expect(recallOf(readResults(out))).toEqual(LITQA2_RECALL);
    const questions = await readLitqa2Questions(LITQA2);
    const finished = new Set(done.map((line) => questions.find((item) => item.id === line.id)?.question));
    const secondRun = llm.completions().slice(requestsBefore);
    expect(secondRun.filter((request) => finished.has(questionOf(request)))).toEqual([]);
    expect(secondRun.length).toBeGreaterThan(0);
  }, 60_000);

  it("rejects bad question files with one line naming the line, and runs without a model", async () => {
    const dir = makeTempDir();
    const [firstLine] = readFileSync(LITQA2, "utf8").split("\n");
    const missing = join(dir, "missing.jsonl");
    writeFileSync(missing, `${firstLine}\n${JSON.stringify({ id: "x", question: "Why?", distractors: ["a"], sources: ["10.1234/x"] })}\n`);
    const noIdeal = await runCli(["eval", "litqa2", "--questions", missing, ...LITQA2_LIBRARY]);
    expect(noIdeal.code).toBe(2);
    expect(noIdeal.stderr).toBe(`litreview: error: ${missing}:2: ideal: Invalid input: expected string, received undefined\n`);
    const broken = join(dir, "broken.jsonl");
    writeFileSync(broken, `${firstLine}\n${firstLine?.slice(0, 40)}\n`);
    const badJson = await runCli(["eval", "litqa2", "--questions", broken, ...LITQA2_LIBRARY]);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(new RegExp(`^litreview: error: ${broken}:2: not valid JSON \\(.*\\)\\n$`));

    const noModel = await runCli(["eval", "litqa2", "--questions", LITQA2, ...LITQA2_LIBRARY, "--out", join(dir, "out")]);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr.trim().split("\n").at(-1)).toBe(
      "litreview: error: eval litqa2 needs a language model to grade the reviews: set OPENAI_API_KEY, or --base-url and --model, or run a local OpenAI-compatible server",
    );
    const noLlm = await runCli(["eval", "litqa2", "--questions", LITQA2, ...LITQA2_LIBRARY, "--no-llm"]);
    expect(noLlm.code).toBe(2);
    expect(noLlm.stderr).toBe("litreview: error: eval litqa2 grades answers written by a language model: drop --no-llm\n");
  });
});

describe("litreview eval pubmedqa", () => {
  // The first four records by PMID of fixtures/pubmedqa/pqal-dev-subset.json; the library holds three of their abstracts:
  //   1571683 maybe  in the library  evidence, cited    → maybe (correct)
  //   2224269 yes    in the library  evidence, uncited  → yes (correct)
  //   2503176 yes    not in it                          → "perhaps", not a decision (none)
  //   8200238 no     in the library  no evidence        → yes (wrong)
  const decisions: [question: string, decision: string][] = [
    ["vaccines", "maybe"],
    ["first names", "yes"],
    ["Inhibin", "perhaps"],
    ["laparoscopy", "yes"],
  ];

  it("answers yes/no/maybe end to end with hand-computed accuracy, macro-F1, confusion matrix and source recall", async () => {
    const llm = await startAgentLlm({
      ...lysisScript(),
      passage_evidence: judgeByMarker([
        ["vaccines", "To assess quality of storage of vaccines in the community"],
        ["first names", "To assess the acceptability to patients of the use of patients' first names"],
      ]),
      cited_answer: answerCitingE1("first names"),
      pubmedqa_decision: (request) => ({ json: { decision: decisions.find(([part]) => questionOf(request).includes(part))?.[1] ?? "maybe" } }),
    });
    const out = join(makeTempDir(), "pubmedqa-eval");
    // Four at once: the script's answers do not depend on the order of the calls.
    const args = ["eval", "pubmedqa", "--data", PUBMEDQA, "--limit", "4", ...PUBMEDQA_LIBRARY, "--max-iterations", "1", "--concurrency", "4", "--out", out];
    const result = await runCli(args, { env: llmEnv(llm.baseUrl) });
    expect(result.code, result.stderr).toBe(0);

    // Correct: 1571683, 2224269. yes: TP 1, FP 1 (8200238), FN 1 (2503176) → 0.5; no: FN 1 → 0; maybe: TP 1 → 1.
    expect(JSON.parse(result.stdout)).toMatchObject({ benchmark: "pubmedqa", accuracy: 0.5, macroF1: 0.5, questions: 4, failed: 0 });
    const results = readResults(out);
    expect(results).toMatchObject({
      accuracy: 0.5,
      macroF1: 0.5,
      f1: { yes: 0.5, no: 0, maybe: 1 },
      confusion: {
        yes: { yes: 1, no: 0, maybe: 0, none: 1 },
        no: { yes: 1, no: 0, maybe: 0, none: 0 },
        maybe: { yes: 0, no: 0, maybe: 1, none: 0 },
      },
      questions: 4,
      decided: 3,
    });
    expect(recallOf(results)).toEqual({ found: 0.75, screened: 0.75, topK: 0.75, evidence: 0.5, cited: 0.25 });

    const lines = readLines<PubmedqaLine>(out);
    // In PMID order, whatever order the four question-runs finished in.
    expect(lines.map((line) => line.id)).toEqual(["1571683", "2224269", "2503176", "8200238"]);
    const inhibin = lines.find((line) => line.id === "2503176");
    expect(inhibin).toMatchObject({ gold: "yes", predicted: null, correct: false, outcome: "judged" });
    expect(inhibin?.error).toMatch(/^no valid decision \(invalid-output\)/);
    const decisionRequests = llm.completions().filter((request) => request.body.response_format?.json_schema?.name === "pubmedqa_decision");
    expect(decisionRequests.length).toBe(5);
    // PMID order: the fifth record (8422202) is left out by --limit 4.
    expect(llm.completions().some((request) => userMessage(request).includes("Metered-dose inhalers"))).toBe(false);

    const report = readFileSync(join(out, "report.md"), "utf8");
    expect(report).toMatch(/^# PubMedQA evaluation\n/);
    expect(report).toContain("| macro-F1 | 0.500 |");
    expect(report).toContain("| yes | 1 | 0 | 0 | 1 |");
    expect(report).toContain("| cited in the review's text | 1 / 4 | 0.250 |");
  });

  it("records a question with nothing found as unanswered, a failed search as failed (exit 1), and retries failures when run again", async () => {
    const llm = await startAgentLlm({ ...lysisScript(), pubmedqa_decision: () => ({ json: { decision: "yes" } }) });
    const out = join(makeTempDir(), "out");
    const args = ["eval", "pubmedqa", "--data", PUBMEDQA, "--limit", "2", "--sources", "europepmc", "--max-iterations", "1", "--out", out];
    const searchAnswering = (response: { status?: number; bodyFile?: string }) =>
      startScholarlyServers({ europepmc: [{ path: "/search", response: { ...response, headers: { "content-type": "application/json" } } }] });

    const refused = await searchAnswering({ status: 400, bodyFile: "api/europepmc/europepmc-search-no-results.json" });
    const failing = await runCli(args, { env: { ...refused.env, ...llmEnv(llm.baseUrl) } });
    expect(failing.code).toBe(1);
    expect(JSON.parse(failing.stdout)).toMatchObject({ questions: 2, failed: 2, accuracy: 0 });
    for (const line of readLines<PubmedqaLine>(out)) {
      expect(line).toMatchObject({ outcome: "failed", reviewStatus: null, predicted: null, correct: false, stages: { found: false, cited: false } });
      expect(line.error).toMatch(/^could not search any source \(Europe PMC: /);
    }

    const empty = await searchAnswering({ bodyFile: "api/europepmc/europepmc-search-no-results.json" });
    const retried = await runCli(args, { env: { ...empty.env, ...llmEnv(llm.baseUrl) } });
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stderr).toContain("2 question-run(s), 0 done earlier");
    expect(JSON.parse(retried.stdout)).toMatchObject({ questions: 2, failed: 0, accuracy: 0, macroF1: 0 });
    const lines = readLines<PubmedqaLine>(out);
    expect(lines.map((line) => line.id)).toEqual(["1571683", "2224269"]);
    for (const line of lines) {
      expect(line).toMatchObject({ outcome: "no-papers", predicted: null, correct: false });
      expect(line.error).toMatch(/^no papers found for this question in Europe PMC/);
    }
    // Nothing to grade: the model was asked to plan and to write hypothetical answers, never to decide.
    expect(llm.completions().some((request) => request.body.response_format?.json_schema?.name === "pubmedqa_decision")).toBe(false);
  });

  it("rejects a malformed data file with one line naming the line and the record", async () => {
    const dir = makeTempDir();
    const data = join(dir, "bad.json");
    writeFileSync(data, '{\n "1": {"QUESTION": "Is it?", "final_decision": "yes"},\n "2": {"QUESTION": "Is it?"}\n}\n');
    const result = await runCli(["eval", "pubmedqa", "--data", data, ...PUBMEDQA_LIBRARY]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`litreview: error: ${data}:3: record 2: final_decision: Invalid option: expected one of "yes"|"no"|"maybe"\n`);
  });
});
