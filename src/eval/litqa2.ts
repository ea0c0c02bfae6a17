// LitQA2 (LAB-Bench): multiple-choice questions whose answers sit in one paper's full text. The
// question goes through the whole pipeline; then the model picks one of the shuffled options, or
// "insufficient information", from the review's text and the evidence it cites. Scored as the
// papers we compare with score it: accuracy, precision, coverage, and where the source paper was lost.
import { z } from "zod";
import { DATA_SAFETY_RULE } from "../llm/prompt.js";
import type { LlmClient } from "../llm/types.js";
import type { Review } from "../review/schema.js";
import { readJsonLines } from "./beir.js";
import { QaLineBaseSchema, reviewForGrading } from "./qa.js";
import { choiceScores, spread, stageRecall, type ChoiceScores, type Spread, type StageRecall } from "./qa-metrics.js";
import { questionSeed, seededShuffle } from "./shuffle.js";
import { SOURCE_STAGES, comparableDoi, type SourceStage } from "./source-stages.js";

/** The option that declines to answer, offered with every question. */
export const INSUFFICIENT_OPTION = "Insufficient information to answer the question";

const MAX_DISTRACTORS = 24;
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** Question ids name run directories: letters, digits, `.`, `_`, `-`, no leading dot. */
const QuestionId = z
  .string()
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,79}$/, "must be 1 to 80 letters, digits, '.', '_' or '-' (not starting with '.')");

/** One line of a LitQA2 file; other fields (canary, tag, version, is_opensource) are kept in the file, not needed here. */
const Litqa2RecordSchema = z.object({
  id: QuestionId,
  question: z.string().trim().min(1, "must not be empty"),
  ideal: z.string().trim().min(1, "must not be empty"),
  distractors: z.array(z.string().trim().min(1, "must not be empty")).min(1, "must list at least one").max(MAX_DISTRACTORS, `must list at most ${MAX_DISTRACTORS}`),
  sources: z
    .array(z.string().refine((source) => comparableDoi(source) !== undefined, "must be a DOI or doi.org URL"))
    .min(1, "must list at least one source DOI"),
  "key-passage": z.string().nullish(),
});

export interface Litqa2Question {
  id: string;
  question: string;
  ideal: string;
  distractors: string[];
  /** DOIs (or doi.org URLs) of the papers the answer comes from. */
  sources: string[];
  /** The passage of a source paper that holds the answer; null when the file gives none. */
  keyPassage: string | null;
}

/** Every question of a LitQA2 JSONL file, in file order; a bad or duplicate line is a usage error naming it. */
export async function readLitqa2Questions(path: string): Promise<Litqa2Question[]> {
  const lines = await readJsonLines(path, Litqa2RecordSchema, { one: "question", many: "questions", idField: "id", id: (line) => line.id, caseInsensitive: true });
  return lines.map((line) => ({
    id: line.id,
    question: line.question,
    ideal: line.ideal,
    distractors: line.distractors,
    sources: line.sources,
    keyPassage: line["key-passage"] ?? null,
  }));
}

/** The options as shown to the model: lettered in order A, B, C… */
export interface ShownOptions {
  /** Option texts in the order shown. */
  options: string[];
  /** Index of the ideal answer in `options`. */
  ideal: number;
  /** Index of the insufficient-information option. */
  insufficient: number;
}

/** The ideal answer, the distractors and the insufficient-information option, shuffled by the question's seed. */
export function shownOptions(question: Litqa2Question, runSeed: number): ShownOptions {
  // Positions: 0 the ideal, 1… the distractors, last the insufficient option (texts may repeat, positions do not).
  const texts = [question.ideal, ...question.distractors, INSUFFICIENT_OPTION];
  const order = seededShuffle(texts.map((_text, index) => index), questionSeed(runSeed, question.id));
  return {
    options: order.map((index) => texts[index] ?? ""),
    ideal: order.indexOf(0),
    insufficient: order.indexOf(texts.length - 1),
  };
}

export function letterOf(index: number): string {
  return LETTERS[index] ?? "?";
}

const CHOICE_SYSTEM = [
  "You answer a multiple-choice question about the scientific literature using only the literature review given:",
  "its text (answer, key findings, agreement, disagreement) and the evidence it cites.",
  "Choose the one option that the review supports.",
  `If the review does not settle the question, choose the option "${INSUFFICIENT_OPTION}": declining beats guessing.`,
  "Reply with the letter of the option.",
  DATA_SAFETY_RULE,
].join(" ");

/** What the model chose, or why there is no choice. */
export type Choice = { ok: true; index: number } | { ok: false; reason: string };

/** One model call: the question, the lettered options and the review → the chosen option. */
export async function chooseOption(question: string, shown: ShownOptions, review: Review, llm: LlmClient, signal?: AbortSignal): Promise<Choice> {
  const letters = shown.options.map((_option, index) => letterOf(index));
  const schema = z.object({ letter: z.enum(letters) });
  const result = await llm.complete({
    step: "eval-choice",
    role: "main",
    system: CHOICE_SYSTEM,
    user: [`Question: ${question}`, "", "Options:", ...shown.options.map((option, index) => `${letters[index] ?? "?"}) ${option}`), "", "Review:", reviewForGrading(review)].join("\n"),
    schema,
    schemaName: "multiple_choice_answer",
    temperature: 0,
    ...(signal ? { signal } : {}),
  });
  if (!result.ok) return { ok: false, reason: `no valid choice (${result.reason}): ${result.message}` };
  return { ok: true, index: letters.indexOf(result.value.letter) };
}

/** One line of questions.jsonl: a question in one run. */
export const Litqa2LineSchema = QaLineBaseSchema.extend({
  /** The run's seed (the options were shuffled by it mixed with the question id). */
  seed: z.int(),
  /** The options in the order shown, lettered A, B, C… */
  options: z.array(z.string()),
  /** The letter of the ideal answer. */
  idealLetter: z.string(),
  /** The letter chosen; null when there was no valid choice (or no review to choose from). */
  chosen: z.string().nullable(),
  chosenText: z.string().nullable(),
  correct: z.boolean(),
  /** An option other than "insufficient information" was chosen. */
  answered: z.boolean(),
});
export type Litqa2Line = z.infer<typeof Litqa2LineSchema>;

/** LitQA2 reports every stage. */
export const LITQA2_STAGES: readonly SourceStage[] = SOURCE_STAGES;

export interface Litqa2RunScores extends ChoiceScores {
  run: number;
  seed: number;
}

export interface Litqa2Metrics {
  /** Means over runs (precision over the runs where anything was answered; null when none was). */
  accuracy: number | null;
  precision: number | null;
  coverage: number | null;
  perRun: Litqa2RunScores[];
  spread: { accuracy: Spread | null; precision: Spread | null; coverage: Spread | null };
  stageRecall: Record<SourceStage, StageRecall>;
  questions: number;
  runs: number;
  questionRuns: number;
}

export function litqa2Metrics(lines: readonly Litqa2Line[]): Litqa2Metrics {
  const runs = [...new Set(lines.map((line) => line.run))].sort((a, b) => a - b);
  const perRun = runs.flatMap((run): Litqa2RunScores[] => {
    const ofRun = lines.filter((line) => line.run === run);
    const scores = choiceScores(ofRun);
    return scores ? [{ run, seed: ofRun[0]?.seed ?? 0, ...scores }] : [];
  });
  const values = (pick: (scores: Litqa2RunScores) => number | null) => perRun.map(pick).filter((value): value is number => value !== null);
  const accuracy = spread(values((scores) => scores.accuracy));
  const precision = spread(values((scores) => scores.precision));
  const coverage = spread(values((scores) => scores.coverage));
  return {
    accuracy: accuracy?.mean ?? null,
    precision: precision?.mean ?? null,
    coverage: coverage?.mean ?? null,
    perRun,
    spread: { accuracy, precision, coverage },
    stageRecall: stageRecall(
      lines.map((line) => line.stages),
      LITQA2_STAGES,
    ),
    questions: new Set(lines.map((line) => line.id)).size,
    runs: runs.length,
    questionRuns: lines.length,
  };
}
