import { describe, expect, it } from "vitest";
import { Budget } from "../src/llm/budget.js";

describe("Budget", () => {
  it("holds two calls back while gathering so the answer can still be written, and never exceeds the limit", () => {
    const budget = new Budget({ maxLlmCalls: 5 });
    const reserve = () => budget.tryReserveCall();
    expect([reserve(), reserve(), reserve(), reserve()]).toEqual([true, true, true, false]);
    expect(budget.exhausted()).toBe("the LLM call budget (--max-llm-calls 5) is spent");
    budget.startAnswering();
    expect([reserve(), reserve(), reserve()]).toEqual([true, true, false]);
    expect(budget.calls).toBe(5);
  });

  it("with a budget of one call, spends it on gathering", () => {
    const budget = new Budget({ maxLlmCalls: 1 });
    expect([budget.tryReserveCall(), budget.tryReserveCall()]).toEqual([true, false]);
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
    byTime.startAnswering();
    expect(byTime.tryReserveCall()).toBe(true);
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
