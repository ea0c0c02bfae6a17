// The language model as the agent sees it: one call = one prompt in, one validated object out.
// How the server is reached, which output mode it supports, retries, caching, usage and cost are
// the client's business (src/llm/client.ts); the agent only sees LlmResult.
import type { z } from "zod";

/** Which configured model a step uses: the main model, or the fast one for many small per-chunk calls. */
export type ModelRole = "main" | "fast";

export interface ModelEndpoint {
  /** OpenAI-compatible base URL, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  model: string;
}

export interface LlmRequest<T> {
  /** The agent step, for usage accounting and logs: "plan", "hypotheses", "evidence", "assess", "answer", … */
  step: string;
  role: ModelRole;
  /** Instructions. Paper text never goes here. */
  system: string;
  /** The task, with any retrieved text fenced as data (see fenceData in src/llm/prompt.ts). */
  user: string;
  /** What the model must return; validated after tolerant parsing. */
  schema: z.ZodType<T>;
  /** A short identifier for the schema (letters, digits, `_`), sent as the json_schema name. */
  schemaName: string;
  temperature?: number;
  maxOutputTokens?: number;
  signal?: AbortSignal;
}

export type LlmFailureReason =
  /** The output did not validate, even after one retry that showed the model its error. */
  | "invalid-output"
  /** The model refused (the `refusal` field, or a content-filter finish). */
  | "refused"
  /** A budget (calls, cost, time) would be exceeded; no request was sent. */
  | "budget"
  /** The server failed (after retries), timed out, or could not be reached. */
  | "failed";

export type LlmResult<T> =
  | { ok: true; value: T; fromCache: boolean }
  | { ok: false; reason: LlmFailureReason; message: string };

export interface TokenUsage {
  calls: number;
  promptTokens: number;
  completionTokens: number;
  /** US dollars; undefined when a model used has no known price. */
  costUsd: number | undefined;
}

export interface UsageSummary extends TokenUsage {
  /** Per model name. */
  byModel: Record<string, TokenUsage>;
  /** Per agent step. */
  byStep: Record<string, TokenUsage>;
  /** Calls answered from the LLM cache (not counted in `calls`, cost nothing). */
  cachedCalls: number;
}

export interface LlmClient {
  readonly main: ModelEndpoint;
  readonly fast: ModelEndpoint;
  complete<T>(request: LlmRequest<T>): Promise<LlmResult<T>>;
  usage(): UsageSummary;
}
