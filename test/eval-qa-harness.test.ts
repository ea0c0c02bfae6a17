import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INSUFFICIENT_OPTION, litqa2Metrics, readLitqa2Questions, shownOptions, type Litqa2Line, type Litqa2Question } from "../src/eval/litqa2.js";
import { readPubmedqaQuestions } from "../src/eval/pubmedqa.js";
import { mulberry32, questionSeed, seededShuffle } from "../src/eval/shuffle.js";
import { makeTempDir } from "./helpers/temp.js";

describe("seeded shuffle", () => {
  it("is mulberry32: the published first value for seed 1", () => {
    expect(mulberry32(1)()).toBe(0.6270739405881613);
  });

  it("gives the same order for the same seed, on every machine (pinned), and a permutation", () => {
    const items = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(seededShuffle(items, 42)).toEqual([0, 7, 3, 5, 2, 1, 8, 9, 4, 6]);
    expect(seededShuffle(items, 42)).toEqual(seededShuffle(items, 42));
    for (let seed = 0; seed < 50; seed += 1) expect([...seededShuffle(items, seed)].sort((a, b) => a - b)).toEqual(items);
    const orders = new Set(Array.from({ length: 20 }, (_unused, seed) => seededShuffle(items, seed).join(",")));
    expect(orders.size).toBeGreaterThan(15);
    expect(items).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("gives each question of a run its own seed", () => {
    expect(questionSeed(1, "a")).toBe(questionSeed(1, "a"));
    expect(questionSeed(1, "a")).not.toBe(questionSeed(1, "b"));
    expect(questionSeed(1, "a")).not.toBe(questionSeed(2, "a"));
  });
});

describe("LitQA2 options", () => {
  const question: Litqa2Question = {
    id: "27234279-f50c-4cfc-86e2-af68364a8f94",
    question: "How many?",
    ideal: "12,300",
    distractors: ["4", "900", "39", "400", "2", "750", "2", "850"],
    sources: ["https://doi.org/10.1101/2022.03.19.484946"],
    keyPassage: null,
  };

  it("shows the ideal answer, every distractor (repeats too) and the insufficient option, shuffled by the seed", () => {
    const shown = shownOptions(question, 1);
    expect([...shown.options].sort()).toEqual([question.ideal, ...question.distractors, INSUFFICIENT_OPTION].sort());
    expect(shown.options[shown.ideal]).toBe("12,300");
    expect(shown.options[shown.insufficient]).toBe(INSUFFICIENT_OPTION);
    expect(shownOptions(question, 1)).toEqual(shown);
    const positions = new Set(Array.from({ length: 30 }, (_unused, seed) => shownOptions(question, seed).ideal));
    expect(positions.size).toBeGreaterThan(4);
  });
});

describe("LitQA2 metrics over runs", () => {
  const line = (run: number, correct: boolean, answered: boolean, found: boolean): Litqa2Line => ({
    id: `q${run}-${correct}-${answered}-${found}`,
    run,
    outcome: "judged",
    reviewStatus: "answered",
    stages: { found, keyPassage: null },
    costUsd: 0.01,
    llmCalls: 3,
    seed: 10 + run,
    options: ["a", "b"],
    idealLetter: "A",
    chosen: answered ? (correct ? "A" : "B") : null,
    chosenText: null,
    correct,
    answered,
  });

  it("averages accuracy, precision and coverage over runs, with their spread and the stage recall over question-runs", () => {
    // Run 1: 1 correct, 1 wrong, 1 unanswered. Run 2: 2 correct, 1 unanswered.
    const metrics = litqa2Metrics([
      line(1, true, true, true),
      line(1, false, true, false),
      line(1, false, false, false),
      line(2, true, true, true),
      line(2, true, true, true),
      line(2, false, false, false),
    ]);
    expect(metrics.perRun.map(({ run, seed, accuracy, precision, coverage }) => ({ run, seed, accuracy, precision, coverage }))).toEqual([
      { run: 1, seed: 11, accuracy: 1 / 3, precision: 0.5, coverage: 2 / 3 },
      { run: 2, seed: 12, accuracy: 2 / 3, precision: 1, coverage: 2 / 3 },
    ]);
    expect(metrics.accuracy).toBeCloseTo(0.5, 12);
    expect(metrics.precision).toBeCloseTo(0.75, 12);
    expect(metrics.coverage).toBeCloseTo(2 / 3, 12);
    expect(metrics.spread.accuracy?.std).toBeCloseTo(Math.SQRT2 / 6, 12);
    expect(metrics.spread.coverage?.std).toBe(0);
    expect(metrics.stageRecall.found).toEqual({ hits: 3, total: 6, recall: 0.5 });
    expect(metrics.stageRecall.keyPassage).toEqual({ hits: 0, total: 0, recall: null });
    expect(metrics.stageRecall.cited).toEqual({ hits: 0, total: 6, recall: 0 });
    expect(metrics).toMatchObject({ runs: 2, questionRuns: 6 });
  });
});

describe("benchmark files", () => {
  const write = (name: string, text: string) => {
    const path = join(makeTempDir(), name);
    writeFileSync(path, text);
    return path;
  };
  const good = JSON.stringify({ id: "q1", question: "Q?", ideal: "a", distractors: ["b"], sources: ["https://doi.org/10.1234/x"], "key-passage": null, canary: "c" });

  it("reads LitQA2 questions and names the bad line of a bad file", async () => {
    expect(await readLitqa2Questions(write("ok.jsonl", `${good}\n\n`))).toEqual([{ id: "q1", question: "Q?", ideal: "a", distractors: ["b"], sources: ["https://doi.org/10.1234/x"], keyPassage: null }]);
    const missing = write("missing.jsonl", `${good}\n${JSON.stringify({ id: "q2", question: "Q?", distractors: ["b"], sources: ["10.1234/y"] })}\n`);
    await expect(readLitqa2Questions(missing)).rejects.toThrow(`${missing}:2: ideal: Invalid input: expected string, received undefined`);
    const broken = write("broken.jsonl", `${good}\n{"id": "q2",\n`);
    await expect(readLitqa2Questions(broken)).rejects.toThrow(new RegExp(`^${broken}:2: not valid JSON`));
    const notDoi = write("doi.jsonl", JSON.stringify({ id: "q2", question: "Q?", ideal: "a", distractors: ["b"], sources: ["a paper"] }));
    await expect(readLitqa2Questions(notDoi)).rejects.toThrow(`${notDoi}:1: sources.0: must be a DOI or doi.org URL`);
    const twice = write("twice.jsonl", `${good}\n${good}\n`);
    await expect(readLitqa2Questions(twice)).rejects.toThrow(`${twice}:2: duplicate question id "q1" (also on line 1)`);
  });

  it("reads PubMedQA records in PMID order and names the line and PMID of a bad record", async () => {
    const records = { "300": { QUESTION: "Third?", final_decision: "no" }, "20": { QUESTION: "Second?", final_decision: "maybe", LABELS: [] }, "1000": { QUESTION: "Last?", final_decision: "yes" } };
    const questions = await readPubmedqaQuestions(write("ok.json", JSON.stringify(records)));
    expect(questions).toEqual([
      { id: "20", question: "Second?", gold: "maybe" },
      { id: "300", question: "Third?", gold: "no" },
      { id: "1000", question: "Last?", gold: "yes" },
    ]);
    const bad = write("bad.json", '{\n  "20": {"QUESTION": "Second?", "final_decision": "maybe"},\n  "300": {"QUESTION": "Third?", "final_decision": "perhaps"}\n}\n');
    await expect(readPubmedqaQuestions(bad)).rejects.toThrow(`${bad}:3: record 300: final_decision: Invalid option: expected one of "yes"|"no"|"maybe"`);
    const broken = write("broken.json", '{\n  "20": {"QUESTION": "Second?",\n  }\n');
    await expect(readPubmedqaQuestions(broken)).rejects.toThrow(new RegExp(`^${broken}:3: not valid JSON`));
  });
});
