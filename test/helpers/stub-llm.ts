// An in-process LlmClient for unit tests of agent steps: each call is answered by the handler for its
// schema name. End-to-end tests use the fake HTTP server (fake-llm.ts) instead.
import type { Budget } from "../../src/llm/budget.js";
import type { LlmClient, LlmRequest, LlmResult, UsageSummary } from "../../src/llm/types.js";

export type StubHandler = (request: LlmRequest<unknown>) => unknown;

export interface StubLlm extends LlmClient {
  requests: LlmRequest<unknown>[];
}

/**
 * A handler's return value is validated with the request's schema, as the real client does;
 * `undefined` fails the call. With a budget, every call reserves one first, as the real client does.
 */
export function stubLlm(handlers: Record<string, StubHandler>, budget?: Budget): StubLlm {
  const requests: LlmRequest<unknown>[] = [];
  const usage: UsageSummary = { calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0, byModel: {}, byStep: {}, cachedCalls: 0 };
  return {
    main: { baseUrl: "http://stub.invalid/v1", model: "stub-main" },
    fast: { baseUrl: "http://stub.invalid/v1", model: "stub-fast" },
    requests,
    async complete<T>(request: LlmRequest<T>): Promise<LlmResult<T>> {
      if (budget && !budget.tryReserveCall()) return { ok: false, reason: "budget", message: budget.exhausted() ?? "budget spent" };
      requests.push(request as LlmRequest<unknown>);
      usage.calls += 1;
      const handler = handlers[request.schemaName];
      const output = handler?.(request as LlmRequest<unknown>);
      if (output === undefined) return { ok: false, reason: "failed", message: `no stub for ${request.schemaName}` };
      const parsed = request.schema.safeParse(output);
      return parsed.success ? { ok: true, value: parsed.data, fromCache: false } : { ok: false, reason: "invalid-output", message: parsed.error.message };
    },
    usage: () => usage,
  };
}
