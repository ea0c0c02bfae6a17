// How a run reports its steps to a person: one live status line on a terminal, one log line per
// step otherwise. The agent only calls `step`; where it goes is decided at the edge (src/cli).
import type { Logger } from "./log.js";

export interface ProgressCounts {
  round: number;
  found: number;
  papers: number;
  fullText: number;
  evidence: number;
  llmCalls: number;
  tokens: number;
  /** US dollars; undefined when a model's price is unknown. */
  costUsd: number | undefined;
}

export interface Progress {
  /** A step finished: `message` says what happened, `counts` where the run stands. */
  step(message: string, counts: Partial<ProgressCounts>): void;
  /** The run is over: clear any live display. */
  stop(): void;
}

/** Steps as info log lines (not a terminal, or a library caller). */
export function logProgress(logger: Logger): Progress {
  return { step: (message) => logger.info(message), stop: () => undefined };
}

/** The status line: what a person watching the run wants at a glance. */
export function formatStatus(counts: Partial<ProgressCounts>, elapsedMs: number): string {
  const parts = [
    counts.round !== undefined ? `round ${counts.round}` : undefined,
    counts.found !== undefined ? `${counts.found} found` : undefined,
    counts.papers !== undefined ? `${counts.papers} read (${counts.fullText ?? 0} full text)` : undefined,
    counts.evidence !== undefined ? `${counts.evidence} evidence` : undefined,
    counts.llmCalls !== undefined ? `${counts.llmCalls} LLM calls, ${counts.tokens ?? 0} tokens` : undefined,
    counts.costUsd !== undefined ? `$${counts.costUsd.toFixed(4)}` : undefined,
    `${Math.round(elapsedMs / 1000)} s`,
  ];
  return parts.filter((part) => part !== undefined).join(" · ");
}
