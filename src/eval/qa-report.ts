// report.md of the question-answering harnesses: the metrics, where source papers were lost, and
// one row per question-run. Pure: rendered from the metrics and the questions.jsonl lines.
import { LITQA2_STAGES, type Litqa2Line, type Litqa2Metrics } from "./litqa2.js";
import { PUBMEDQA_STAGES, type PubmedqaLine, type PubmedqaMetrics } from "./pubmedqa.js";
import { DECISIONS, PREDICTIONS, type Spread, type StageRecall } from "./qa-metrics.js";
import { STAGE_LABELS, type QaLineBase } from "./qa.js";
import type { SourceStage } from "./source-stages.js";

/** What the report says about the run besides the metrics. */
export interface ReportContext {
  title: string;
  /** The data file, as given. */
  data: string;
  model: string;
  toolVersion: string;
  generatedAt: string;
  costUsd: number | null;
  llmCalls: number;
  failed: number;
}

const QUESTION_CELL_LENGTH = 90;

export function litqa2Report(metrics: Litqa2Metrics, lines: readonly Litqa2Line[], questions: ReadonlyMap<string, string>, context: ReportContext): string {
  const stages = LITQA2_STAGES;
  const metricRow = (name: string, value: Spread | null) => [name, rate(value?.mean ?? null), rate(value?.std ?? null), rate(value?.min ?? null), rate(value?.max ?? null)];
  const sections = [
    header(context, `${metrics.questions} question(s) × ${metrics.runs} run(s) = ${metrics.questionRuns} question-run(s)`),
    "## Answers\n",
    "Accuracy = correct / all questions; precision = correct / answered; coverage = answered / all (answered: any option but " +
      '"insufficient information"). Mean, sample standard deviation, min and max over runs.\n',
    table(
      ["metric", "mean", "std", "min", "max"],
      [metricRow("accuracy", metrics.spread.accuracy), metricRow("precision", metrics.spread.precision), metricRow("coverage", metrics.spread.coverage)],
    ),
    table(
      ["run", "seed", "questions", "correct", "answered", "accuracy", "precision", "coverage"],
      metrics.perRun.map((run) => [String(run.run), String(run.seed), String(run.questions), String(run.correct), String(run.answered), rate(run.accuracy), rate(run.precision), rate(run.coverage)]),
    ),
    stageSection(metrics.stageRecall),
    "## Question-runs\n",
    table(
      ["id", "question", "run", "chosen", "ideal", "result", "review", ...stages.map((stage) => STAGE_COLUMNS[stage]), "cost", "note"],
      lines.map((line) => [
        line.id,
        shorten(questions.get(line.id) ?? ""),
        String(line.run),
        line.chosen === null ? "–" : `${line.chosen}) ${line.chosenText ?? ""}`,
        `${line.idealLetter}) ${line.options[letterIndex(line.idealLetter)] ?? ""}`,
        line.correct ? "correct" : line.answered ? "wrong" : "unanswered",
        line.reviewStatus ?? "–",
        ...stages.map((stage) => flag(line.stages[stage])),
        cost(line.costUsd),
        note(line),
      ]),
    ),
  ];
  return sections.join("\n");
}

export function pubmedqaReport(metrics: PubmedqaMetrics, lines: readonly PubmedqaLine[], questions: ReadonlyMap<string, string>, context: ReportContext): string {
  const stages = PUBMEDQA_STAGES;
  const sections = [
    header(context, `${metrics.questions} question(s), ${metrics.decided} with a decision`),
    "## Answers\n",
    "Accuracy = correct / all questions (no decision counts as wrong). Macro-F1 = the mean of the F1 of yes, no and maybe, " +
      "leaving out a class that is neither gold nor predicted; a question without a decision is a false negative of its gold class.\n",
    table(
      ["metric", "value"],
      [["accuracy", rate(metrics.accuracy)], ["macro-F1", rate(metrics.macroF1)], ...DECISIONS.map((label) => [`F1 ${label}`, rate(metrics.f1[label])])],
    ),
    "Confusion matrix (rows: gold; columns: predicted):\n",
    table(["gold \\ predicted", ...PREDICTIONS], DECISIONS.map((gold) => [gold, ...PREDICTIONS.map((predicted) => String(metrics.confusion[gold][predicted]))])),
    stageSection(metrics.stageRecall),
    "## Questions\n",
    table(
      ["PMID", "question", "gold", "predicted", "review", ...stages.map((stage) => STAGE_COLUMNS[stage]), "cost", "note"],
      lines.map((line) => [
        line.id,
        shorten(questions.get(line.id) ?? ""),
        line.gold,
        line.predicted ?? "–",
        line.reviewStatus ?? "–",
        ...stages.map((stage) => flag(line.stages[stage])),
        cost(line.costUsd),
        note(line),
      ]),
    ),
  ];
  return sections.join("\n");
}

function header(context: ReportContext, scope: string): string {
  const lines = [
    `# ${context.title}\n`,
    `${scope}, from ${context.data}; model ${context.model}; litreview ${context.toolVersion}; ${context.generatedAt}.`,
    `LLM calls: ${context.llmCalls}; cost: ${context.costUsd === null ? "unknown (a model has no price)" : `$${context.costUsd.toFixed(4)}`}` +
      `${context.failed > 0 ? `; ${context.failed} question-run(s) failed (run the same command again to retry them)` : ""}.\n`,
  ];
  return lines.join("\n");
}

function stageSection(recall: Partial<Record<SourceStage, StageRecall>>): string {
  const rows = (Object.entries(recall) as [SourceStage, StageRecall][]).map(([stage, value]) => [STAGE_LABELS[stage], `${value.hits} / ${value.total}`, rate(value.recall)]);
  return [
    "## Where the source paper was lost\n",
    "The share of question-runs whose source paper (any of them, by DOI or PMID) reached each stage of the pipeline.\n",
    table(["stage", "question-runs", "recall"], rows),
  ].join("\n");
}

/** Short stage names for the per-question columns. */
const STAGE_COLUMNS: Record<SourceStage, string> = {
  found: "found",
  screened: "read",
  fullText: "full text",
  topK: "top-k",
  keyPassage: "key passage",
  evidence: "evidence",
  cited: "cited",
};

function note(line: QaLineBase): string {
  if (line.outcome === "judged") return line.error ?? "";
  return `${line.outcome}: ${line.error ?? ""}`;
}

function letterIndex(letter: string): number {
  return letter.charCodeAt(0) - "A".charCodeAt(0);
}

function rate(value: number | null): string {
  return value === null ? "–" : value.toFixed(3);
}

function flag(value: boolean | null | undefined): string {
  if (value === null || value === undefined) return "–";
  return value ? "yes" : "no";
}

function cost(value: number | null): string {
  return value === null ? "?" : `$${value.toFixed(4)}`;
}

function shorten(text: string): string {
  return text.length <= QUESTION_CELL_LENGTH ? text : `${text.slice(0, QUESTION_CELL_LENGTH - 1)}…`;
}

/** A Markdown table; cell text is kept to one line and its pipes escaped. */
function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (text: string) => text.replace(/\s+/g, " ").replace(/\|/g, "\\|");
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line), ""].join("\n");
}
