import { describe, expect, it } from "vitest";
import { Budget } from "../src/llm/budget.js";

describe("Budget", () => {
  it("allows calls until the call budget is spent, and says which budget ended", () => {
    const budget = new Budget({ maxLlmCalls: 2 });
    expect([budget.tryReserveCall(), budget.tryReserveCall(), budget.tryReserveCall()]).toEqual([true, true, false]);
    expect(budget.calls).toBe(2);
    expect(budget.exhausted()).toBe("the LLM call budget (--max-llm-calls 2) is spent");
  });

  it("stops at the cost limit and at the time limit", () => {
    const byCost = new Budget({ maxCostUsd: 0.01 });
    byCost.addCost(0.004);
    expect(byCost.exhausted()).toBeUndefined();
    byCost.addCost(0.007);
    expect(byCost.tryReserveCall()).toBe(false);
    expect(byCost.exhausted()).toBe("the cost budget (--max-cost 0.01) is spent");

    let clock = 1000;
    const byTime = new Budget({ timeLimitMs: 30_000 }, () => clock);
    expect(byTime.exhausted()).toBeUndefined();
    clock += 30_000;
    expect(byTime.exhausted()).toBe("the time limit (--time-limit 30 s) is reached");
  });

  it("counts papers against --max-papers", () => {
    const budget = new Budget({ maxPapers: 10 });
    budget.notePapers(7);
    expect(budget.papersLeft()).toBe(3);
    budget.notePapers(5);
    expect(budget.papersLeft()).toBe(0);
    expect(new Budget({}).papersLeft()).toBe(Number.POSITIVE_INFINITY);
  });
});
