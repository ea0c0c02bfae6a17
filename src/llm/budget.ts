// What a run may spend: LLM calls, dollars, papers read, wall time. One Budget per run, shared by
// the LLM client (which reserves every request before sending it) and the agent (which stops
// gathering when anything is spent and answers from what it has, saying why).
export interface BudgetLimits {
  maxCostUsd?: number;
  maxLlmCalls?: number;
  maxPapers?: number;
  timeLimitMs?: number;
}

/**
 * LLM calls held back while gathering so the answer can still be written (one call and one repair
 * round) when the call budget runs out.
 */
const ANSWER_RESERVE_CALLS = 2;

export class Budget {
  readonly limits: Readonly<BudgetLimits>;
  readonly #now: () => number;
  readonly #startedAt: number;
  #calls = 0;
  #costUsd = 0;
  #papers = 0;
  #answering = false;

  constructor(limits: BudgetLimits, now: () => number = () => performance.now()) {
    this.limits = { ...limits };
    this.#now = now;
    this.#startedAt = now();
  }

  /** Count one LLM request about to be sent; false (nothing counted) when a limit forbids it. */
  tryReserveCall(): boolean {
    if (this.exhausted() !== undefined) return false;
    this.#calls += 1;
    return true;
  }

  /** Count what an earlier, interrupted part of the same run spent (a resumed run). */
  restoreSpent(spent: { calls: number; costUsd: number; papers: number }): void {
    this.#calls += spent.calls;
    this.#costUsd += spent.costUsd;
    this.#papers += spent.papers;
  }

  addCost(usd: number): void {
    this.#costUsd += usd;
  }

  /** Papers read (full text or abstract) so far. */
  notePapers(count: number): void {
    this.#papers += count;
  }

  papersLeft(): number {
    return this.limits.maxPapers === undefined ? Number.POSITIVE_INFINITY : Math.max(0, this.limits.maxPapers - this.#papers);
  }

  elapsedMs(): number {
    return this.#now() - this.#startedAt;
  }

  /**
   * Gathering is over: the calls held back for the answer become available, and the time limit (a
   * limit on gathering) no longer stops calls. The call and cost limits still do.
   */
  startAnswering(): void {
    this.#answering = true;
  }

  /** Why the run must stop (gathering, or after startAnswering any call), or undefined while within every limit. */
  exhausted(): string | undefined {
    const { maxLlmCalls, maxCostUsd, timeLimitMs } = this.limits;
    if (maxLlmCalls !== undefined) {
      const reserve = this.#answering ? 0 : Math.min(ANSWER_RESERVE_CALLS, maxLlmCalls - 1);
      if (this.#calls >= maxLlmCalls - reserve) return `the LLM call budget (--max-llm-calls ${maxLlmCalls}) is spent`;
    }
    if (maxCostUsd !== undefined && this.#costUsd >= maxCostUsd) return `the cost budget (--max-cost ${maxCostUsd}) is spent`;
    if (!this.#answering && timeLimitMs !== undefined && this.elapsedMs() >= timeLimitMs) {
      return `the time limit (--time-limit ${Math.round(timeLimitMs / 1000)} s) is reached`;
    }
    return undefined;
  }

  get calls(): number {
    return this.#calls;
  }

  get costUsd(): number {
    return this.#costUsd;
  }
}
