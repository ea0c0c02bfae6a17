import { describe, expect, it } from "vitest";
import { choiceScores, classF1, confusionMatrix, macroF1, spread, stageRecall, type Decision } from "../src/eval/qa-metrics.js";

const correct = { correct: true, answered: true };
const wrong = { correct: false, answered: true };
const declined = { correct: false, answered: false };

describe("multiple-choice scores", () => {
  it("accuracy = correct / all, precision = correct / answered, coverage = answered / all", () => {
    // 2 correct, 1 wrong, 2 unanswered.
    expect(choiceScores([correct, wrong, correct, declined, declined])).toEqual({
      questions: 5,
      correct: 2,
      answered: 3,
      accuracy: 0.4,
      precision: 2 / 3,
      coverage: 0.6,
    });
  });

  it("has no precision when nothing was answered, and no scores without questions", () => {
    expect(choiceScores([declined, declined])).toMatchObject({ accuracy: 0, precision: null, coverage: 0 });
    expect(choiceScores([])).toBeUndefined();
  });
});

describe("spread over runs", () => {
  it("gives the mean, the sample standard deviation (n - 1), min and max", () => {
    const result = spread([0.4, 0.6]);
    expect(result?.mean).toBeCloseTo(0.5, 12);
    // ((0.4 - 0.5)² + (0.6 - 0.5)²) / (2 - 1) = 0.02
    expect(result?.std).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(result).toMatchObject({ n: 2, min: 0.4, max: 0.6 });
    const three = spread([1, 2, 6]);
    // mean 3; squared deviations 4 + 1 + 9 = 14; / 2 = 7
    expect(three?.std).toBeCloseTo(Math.sqrt(7), 12);
  });

  it("has no standard deviation for one run, and nothing for none", () => {
    expect(spread([0.5])).toEqual({ n: 1, mean: 0.5, std: null, min: 0.5, max: 0.5 });
    expect(spread([])).toBeNull();
  });
});

describe("stage recall", () => {
  it("is the share of question-runs reaching each stage; null flags are left out, missing ones count as missed", () => {
    const recall = stageRecall(
      [
        { found: true, keyPassage: true },
        { found: true, keyPassage: null },
        { found: false, keyPassage: false },
        { keyPassage: false },
      ],
      ["found", "keyPassage"],
    );
    expect(recall.found).toEqual({ hits: 2, total: 4, recall: 0.5 });
    expect(recall.keyPassage).toEqual({ hits: 1, total: 3, recall: 1 / 3 });
    expect(stageRecall([{ keyPassage: null }], ["keyPassage"]).keyPassage).toEqual({ hits: 0, total: 0, recall: null });
  });
});

describe("yes/no/maybe metrics", () => {
  const pairs = (rows: [Decision, Decision | null, number][]) => rows.flatMap(([gold, predicted, count]) => Array.from({ length: count }, () => ({ gold, predicted })));

  it("counts gold against predicted, with a column for no decision", () => {
    const matrix = confusionMatrix(
      pairs([
        ["yes", "yes", 3],
        ["yes", "no", 1],
        ["yes", null, 1],
        ["no", "no", 2],
        ["no", "yes", 1],
        ["maybe", "yes", 1],
      ]),
    );
    expect(matrix).toEqual({
      yes: { yes: 3, no: 1, maybe: 0, none: 1 },
      no: { yes: 1, no: 2, maybe: 0, none: 0 },
      maybe: { yes: 1, no: 0, maybe: 0, none: 0 },
    });
    // yes: TP 3, FP 2 (no→yes, maybe→yes), FN 2 (yes→no, yes→none): 6 / (6 + 2 + 2) = 0.6
    // no: TP 2, FP 1 (yes→no), FN 1 (no→yes): 4 / 6
    // maybe: TP 0, FP 0, FN 1: 0
    const f1 = classF1(matrix);
    expect(f1.yes).toBeCloseTo(0.6, 12);
    expect(f1.no).toBeCloseTo(2 / 3, 12);
    expect(f1.maybe).toBe(0);
    expect(macroF1(matrix)).toBeCloseTo((0.6 + 2 / 3 + 0) / 3, 12);
  });

  it("leaves out of the macro average a class that is neither gold nor predicted", () => {
    const matrix = confusionMatrix(
      pairs([
        ["yes", "yes", 2],
        ["no", "yes", 1],
        ["no", "no", 1],
      ]),
    );
    // yes: 4 / (4 + 1 + 0) = 0.8; no: 2 / (2 + 0 + 1) = 2/3; maybe: nothing, excluded.
    expect(classF1(matrix).maybe).toBeNull();
    expect(macroF1(matrix)).toBeCloseTo((0.8 + 2 / 3) / 2, 12);
    expect(macroF1(confusionMatrix([]))).toBeNull();
  });
});
