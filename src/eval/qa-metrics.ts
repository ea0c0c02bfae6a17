// Answer-quality metrics of the question-answering benchmarks (LitQA2, PubMedQA), as the papers we
// compare with define them. Pure functions over recorded outcomes.

/** One multiple-choice question-run: whether the ideal option was chosen, and whether any option but "insufficient" was. */
export interface ChoiceOutcome {
  correct: boolean;
  answered: boolean;
}

export interface ChoiceScores {
  questions: number;
  correct: number;
  answered: number;
  /** correct / all questions. */
  accuracy: number;
  /** correct / answered; null when nothing was answered. */
  precision: number | null;
  /** answered / all questions. */
  coverage: number;
}

/** Scores of one run; undefined for a run without questions. */
export function choiceScores(outcomes: readonly ChoiceOutcome[]): ChoiceScores | undefined {
  if (outcomes.length === 0) return undefined;
  const correct = outcomes.filter((outcome) => outcome.correct).length;
  const answered = outcomes.filter((outcome) => outcome.answered).length;
  return {
    questions: outcomes.length,
    correct,
    answered,
    accuracy: correct / outcomes.length,
    precision: answered === 0 ? null : correct / answered,
    coverage: answered / outcomes.length,
  };
}

export interface Spread {
  /** How many values (runs) it summarises. */
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); null for a single value. */
  std: number | null;
  min: number;
  max: number;
}

/** Mean, sample standard deviation, min and max; null for no values. */
export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const std = values.length < 2 ? null : Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1));
  return { n: values.length, mean, std, min: Math.min(...values), max: Math.max(...values) };
}

export interface StageRecall {
  /** Question-runs whose source paper reached the stage. */
  hits: number;
  /** Question-runs the stage could be judged for (a missing key passage leaves one out). */
  total: number;
  /** hits / total; null when total is 0. */
  recall: number | null;
}

/**
 * Per stage, the fraction of question-runs whose source paper reached it. A null flag (the stage
 * cannot be judged) leaves the question-run out of that stage; a missing flag counts as not reached.
 */
export function stageRecall<Stage extends string>(flags: readonly Partial<Record<Stage, boolean | null>>[], stages: readonly Stage[]): Record<Stage, StageRecall> {
  const recall = {} as Record<Stage, StageRecall>;
  for (const stage of stages) {
    const judged = flags.map((flag) => (flag[stage] === undefined ? false : flag[stage])).filter((value): value is boolean => value !== null);
    const hits = judged.filter(Boolean).length;
    recall[stage] = { hits, total: judged.length, recall: judged.length === 0 ? null : hits / judged.length };
  }
  return recall;
}

export const DECISIONS = ["yes", "no", "maybe"] as const;
export type Decision = (typeof DECISIONS)[number];

/** What was predicted: a decision, or none (no papers found, the call failed, an invalid reply). */
export type Prediction = Decision | "none";
export const PREDICTIONS: readonly Prediction[] = [...DECISIONS, "none"];

/** Gold label (row) → prediction (column) → count. */
export type ConfusionMatrix = Record<Decision, Record<Prediction, number>>;

export function confusionMatrix(pairs: readonly { gold: Decision; predicted: Decision | null }[]): ConfusionMatrix {
  const row = (): Record<Prediction, number> => ({ yes: 0, no: 0, maybe: 0, none: 0 });
  const matrix: ConfusionMatrix = { yes: row(), no: row(), maybe: row() };
  for (const { gold, predicted } of pairs) matrix[gold][predicted ?? "none"] += 1;
  return matrix;
}

/**
 * F1 per class, 2·TP / (2·TP + FP + FN); a question with no prediction is a false negative of its gold
 * class and a false positive of none. Null for a class that is neither gold nor predicted anywhere.
 */
export function classF1(matrix: ConfusionMatrix): Record<Decision, number | null> {
  const f1 = {} as Record<Decision, number | null>;
  for (const label of DECISIONS) {
    const truePositives = matrix[label][label];
    const falsePositives = DECISIONS.filter((gold) => gold !== label).reduce((sum, gold) => sum + matrix[gold][label], 0);
    const falseNegatives = PREDICTIONS.filter((predicted) => predicted !== label).reduce((sum, predicted) => sum + matrix[label][predicted], 0);
    const denominator = 2 * truePositives + falsePositives + falseNegatives;
    f1[label] = denominator === 0 ? null : (2 * truePositives) / denominator;
  }
  return f1;
}

/** The mean F1 over the classes that occur (as gold or prediction); null when none does. */
export function macroF1(matrix: ConfusionMatrix): number | null {
  const scores = Object.values(classF1(matrix)).filter((score): score is number => score !== null);
  return scores.length === 0 ? null : scores.reduce((sum, score) => sum + score, 0) / scores.length;
}
