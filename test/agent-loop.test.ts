import { describe, expect, it } from "vitest";
import { runAgent } from "../src/agent/agent.js";
import { resolveConfig, type ConfigInput } from "../src/config.js";
import type { RunContext } from "../src/context.js";
import { Budget } from "../src/llm/budget.js";
import { logProgress } from "../src/progress.js";
import { stubLlm } from "./helpers/stub-llm.js";
import { testSourceContext } from "./helpers/sources.js";

const QUESTION = "What determines lysis time in bacteriophage lambda?";

function runContext(flags: ConfigInput): RunContext {
  const config = resolveConfig({ flags: { library: ["fixtures/jats"], sources: [], ...flags }, env: {}, cwd: "/nonexistent" });
  const { context: sources, log } = testSourceContext({});
  return { config, logger: sources.logger, sources, progress: logProgress(log.logger), version: "0.0.0-test", now: () => new Date("2026-11-27T00:00:00Z") };
}

const lysisPlan = { queries: [{ must: [{ term: "lysis time", synonyms: ["lysis timing"] }], should: [{ term: "holin", weight: 0.8 }], yearFrom: null, yearTo: null }] };
const hypotheses = {
  answers: [
    { answer: "Lysis time is set by the holin protein accumulating in the membrane.", rationale: "holin", synonyms: ["S105", "holin"] },
    { answer: "Lysis time varies with host cell size.", rationale: "cell", synonyms: ["cell length"] },
    { answer: "Lysis time depends on antiholin ratio.", rationale: "ratio", synonyms: ["S107"] },
  ],
};
const judgePassage = (request: { user: string }) =>
  /lysis time/i.test(request.user) ? { relevance: 7, summary: "Lysis time depends on holin.", quote: "lysis time" } : { relevance: 0, summary: "", quote: "" };

describe("the agent loop", () => {
  it("plans, ranks with hypothetical answers, keeps evidence and stops when the evidence is judged sufficient", async () => {
    let assessments = 0;
    const llm = stubLlm({
      search_plan: () => lysisPlan,
      hypothetical_answers: () => hypotheses,
      passage_evidence: judgePassage,
      evidence_assessment: () => {
        assessments += 1;
        return assessments === 1
          ? { sufficient: false, missing: ["host cell size effects"], followCitations: false, queries: [] }
          : { sufficient: true, missing: [], followCitations: false, queries: [] };
      },
    });
    const context = runContext({ maxIterations: 4, topK: 10 });
    const outcome = await runAgent(QUESTION, context, llm, new Budget({}));
    expect(outcome.iteration).toBe(2);
    expect(outcome.stopReason).toBe("the evidence was judged sufficient");
    expect(outcome.plannedByModel).toBe(true);
    expect(outcome.rankingQueries).toEqual(expect.arrayContaining([QUESTION, expect.stringContaining("holin protein accumulating")]));
    expect(outcome.evidence.length).toBeGreaterThan(0);
    expect(new Set(outcome.evidence.map((item) => item.key)).size).toBe(outcome.evidence.length);
    expect(outcome.evidence.every((item) => outcome.chunks.has(item.chunkId))).toBe(true);
    // Round two judges only passages not judged in round one.
    const judged = llm.requests.filter((request) => request.schemaName === "passage_evidence").map((request) => request.user);
    expect(new Set(judged).size).toBe(judged.length);
    // The second plan asked for what was missing.
    const plans = llm.requests.filter((request) => request.schemaName === "search_plan");
    expect(plans[1]?.user).toContain("host cell size effects");
    expect(llm.requests.find((request) => request.schemaName === "hypothetical_answers")).toBeDefined();
  });

  it("stops gathering when the LLM call budget is spent, and says so", async () => {
    const budget = new Budget({ maxLlmCalls: 8 });
    const llm = stubLlm({ search_plan: () => lysisPlan, hypothetical_answers: () => hypotheses, passage_evidence: judgePassage, evidence_assessment: () => ({ sufficient: false, missing: [], followCitations: false, queries: [] }) }, budget);
    const outcome = await runAgent(QUESTION, runContext({ maxIterations: 5, topK: 10 }), llm, budget);
    expect(llm.requests).toHaveLength(6);
    expect(outcome.stopReason).toBe("the LLM call budget (--max-llm-calls 8) is spent");
    expect(outcome.iteration).toBe(1);
  });

  it("uses the question's own words when the model cannot plan, and keeps going without hypotheses", async () => {
    const llm = stubLlm({ passage_evidence: judgePassage });
    const outcome = await runAgent(QUESTION, runContext({ maxIterations: 1, topK: 5 }), llm, new Budget({}));
    expect(outcome.plannedByModel).toBe(false);
    expect(outcome.rankingQueries[0]).toBe(QUESTION);
    expect(outcome.stopReason).toBe("--max-iterations 1 reached");
    expect(outcome.evidence.length).toBeGreaterThan(0);
  });
});
