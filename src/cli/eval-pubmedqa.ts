// `litreview eval pubmedqa --data FILE`: PubMedQA's labelled yes/no/maybe questions through the full
// pipeline; accuracy, macro-F1, the confusion matrix and the recall of the question's own paper
// (by PMID) at each stage (src/eval/pubmedqa.ts, the runner in ./eval-qa.ts).
import { createHash } from "node:crypto";
import type { Command } from "commander";
import { PUBMEDQA_STAGES, PubmedqaLineSchema, decide, pubmedqaMetrics, readPubmedqaQuestions, type PubmedqaLine, type PubmedqaQuestion } from "../eval/pubmedqa.js";
import { pubmedqaReport } from "../eval/qa-report.js";
import { noStages, pmidMatcher, sourceStages, type StageFlags } from "../eval/source-stages.js";
import type { CliIo } from "./io.js";
import { addQaOptions, qaSettings, runQaEvaluation, type QaBenchmark, type QaTask } from "./eval-qa.js";

const DEFAULT_OUT = "pubmedqa-eval";

export function registerPubmedqaCommand(evaluate: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = evaluate
    .command("pubmedqa")
    .description("answer PubMedQA yes/no/maybe questions with the full pipeline: accuracy, macro-F1, and where the source papers were lost")
    .requiredOption("--data <file>", "PubMedQA labelled JSON ({PMID: {QUESTION, final_decision, ...}}); questions are taken in PMID order");
  addQaOptions(command, DEFAULT_OUT);
  command.action(async (options: { data: string }, command: Command) => {
    const questions = await readPubmedqaQuestions(options.data);
    const settings = qaSettings(command, io, DEFAULT_OUT);
    const tasks = questions.slice(0, settings.limit).map((item): QaTask<PubmedqaQuestion> => ({ key: `${item.id}-run1`, run: 1, item }));
    const reported = (flags: StageFlags) => Object.fromEntries(PUBMEDQA_STAGES.map((stage) => [stage, flags[stage]]));
    const benchmark: QaBenchmark<PubmedqaQuestion, PubmedqaLine> = {
      name: "pubmedqa",
      title: "PubMedQA evaluation",
      data: options.data,
      tasks,
      lineSchema: PubmedqaLineSchema,
      settings: { questionsSha256: createHash("sha256").update(JSON.stringify(questions)).digest("hex") },
      stages: (item, traced) => reported(traced ? sourceStages(traced.trace, traced.review, pmidMatcher(item.id), null) : noStages(null)),
      async grade(task, review, llm, signal) {
        const result = await decide(task.item.question, review, llm, signal);
        const predicted = result.ok ? result.decision : null;
        return { gold: task.item.gold, predicted, correct: predicted === task.item.gold, ...(result.ok ? {} : { error: result.reason }) };
      },
      ungraded: (task) => ({ gold: task.item.gold, predicted: null, correct: false }),
      summarise(lines, context) {
        const metrics = pubmedqaMetrics(lines);
        return {
          metrics,
          report: pubmedqaReport(metrics, lines, new Map(questions.map((item) => [item.id, item.question])), context),
          summary: { accuracy: metrics.accuracy, macroF1: metrics.macroF1, questions: metrics.questions },
        };
      },
      describe(line) {
        if (line.predicted === null) return `${line.outcome === "judged" ? "no valid decision" : line.outcome}: unanswered`;
        return `${line.correct ? "correct" : "wrong"}: ${line.predicted} (gold ${line.gold})`;
      },
    };
    await runQaEvaluation(benchmark, settings, io, setExitCode);
  });
}
