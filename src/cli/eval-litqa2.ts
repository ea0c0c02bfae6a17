// `litreview eval litqa2 --questions FILE.jsonl`: LitQA2 multiple-choice questions through the full
// pipeline, K runs with options shuffled by a recorded seed; accuracy, precision, coverage and the
// recall of the source paper at each stage (src/eval/litqa2.ts, the runner in ./eval-qa.ts).
import { createHash } from "node:crypto";
import type { Command } from "commander";
import { Litqa2LineSchema, chooseOption, letterOf, litqa2Metrics, readLitqa2Questions, shownOptions, type Litqa2Line, type Litqa2Question } from "../eval/litqa2.js";
import { litqa2Report } from "../eval/qa-report.js";
import { doiMatcher, noStages, sourceStages } from "../eval/source-stages.js";
import type { CliIo } from "./io.js";
import { addQaOptions, qaSettings, runQaEvaluation, type GradeFields, type QaBenchmark, type QaTask } from "./eval-qa.js";
import { parseNumberOption } from "./options.js";

const DEFAULT_OUT = "litqa2-eval";
const DEFAULT_SEED = 1;
const MAX_RUNS = 100;

export function registerLitqa2Command(evaluate: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = evaluate
    .command("litqa2")
    .description("answer LitQA2 multiple-choice questions with the full pipeline: accuracy, precision, coverage, and where source papers were lost")
    .requiredOption("--questions <file>", "LitQA2 JSONL: one {id, question, ideal, distractors, sources, key-passage} per line")
    .option("--runs <k>", "runs over the questions, each with its own option order (default 1)")
    .option("--seed <s>", `the shuffle seed of run 1; run k uses S + k - 1 (default ${DEFAULT_SEED})`);
  addQaOptions(command, DEFAULT_OUT);
  command.action(async (options: { questions: string; runs?: string; seed?: string }, command: Command) => {
    const runs = options.runs === undefined ? 1 : parseNumberOption("--runs", options.runs, { min: 1, max: MAX_RUNS, whole: true });
    const seed = options.seed === undefined ? DEFAULT_SEED : parseNumberOption("--seed", options.seed, { min: 0, max: 2 ** 31 - 1, whole: true });
    const questions = await readLitqa2Questions(options.questions);
    const settings = qaSettings(command, io, DEFAULT_OUT);
    const selected = questions.slice(0, settings.limit);
    const tasks = Array.from({ length: runs }, (_unused, index) => index + 1).flatMap((run) =>
      selected.map((item): QaTask<Litqa2Question> => ({ key: `${item.id}-run${run}`, run, item })),
    );
    const runSeed = (task: QaTask<Litqa2Question>) => seed + task.run - 1;
    const fields = (task: QaTask<Litqa2Question>, chosen: number | undefined, error?: string): GradeFields<Litqa2Line> => {
      const shown = shownOptions(task.item, runSeed(task));
      return {
        seed: runSeed(task),
        options: shown.options,
        idealLetter: letterOf(shown.ideal),
        chosen: chosen === undefined ? null : letterOf(chosen),
        chosenText: chosen === undefined ? null : (shown.options[chosen] ?? null),
        correct: chosen === shown.ideal,
        answered: chosen !== undefined && chosen !== shown.insufficient,
        ...(error === undefined ? {} : { error }),
      };
    };
    const benchmark: QaBenchmark<Litqa2Question, Litqa2Line> = {
      name: "litqa2",
      title: "LitQA2 evaluation",
      data: options.questions,
      tasks,
      lineSchema: Litqa2LineSchema,
      // The whole question set, not the --limit: a later run with a larger --limit adds to the same results.
      settings: { seed, questionsSha256: createHash("sha256").update(JSON.stringify(questions)).digest("hex") },
      stages: (item, traced) => (traced ? sourceStages(traced.trace, traced.review, doiMatcher(item.sources), item.keyPassage) : noStages(item.keyPassage)),
      async grade(task, review, llm, signal) {
        const choice = await chooseOption(task.item.question, shownOptions(task.item, runSeed(task)), review, llm, signal);
        return choice.ok ? fields(task, choice.index) : fields(task, undefined, choice.reason);
      },
      ungraded: (task) => fields(task, undefined),
      summarise(lines, context) {
        const metrics = litqa2Metrics(lines);
        const { accuracy, precision, coverage, questions: questionCount, runs: runCount, questionRuns } = metrics;
        return {
          metrics: { ...metrics, seeds: metrics.perRun.map((perRun) => perRun.seed) },
          report: litqa2Report(metrics, lines, new Map(questions.map((item) => [item.id, item.question])), context),
          summary: { accuracy, precision, coverage, questions: questionCount, runs: runCount, questionRuns },
        };
      },
      describe(line) {
        if (line.outcome !== "judged") return `${line.outcome}: unanswered`;
        if (line.chosen === null) return "no valid choice: unanswered";
        const verdict = line.correct ? "correct" : line.answered ? "wrong" : "insufficient information";
        return `${verdict}: chose ${line.chosen} (${line.chosenText ?? ""}), the answer is ${line.idealLetter}`;
      },
    };
    await runQaEvaluation(benchmark, settings, io, setExitCode);
  });
}
