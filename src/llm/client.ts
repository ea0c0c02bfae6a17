// The LLM client for any OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp, LM Studio, …).
// One call = one prompt in, one zod-validated object out; everything else happens here:
//
// - Output mode per server+model: strict `json_schema` first; a server that rejects it gets
//   `json_object` with the schema in the system message, then no response_format at all (schema in
//   the prompt). The downgrade is remembered for the life of the pool and logged once.
// - Contract with test/helpers/fake-llm.ts: when the schema goes into the system message, it is
//   introduced by a line of its own, `schema: <schemaName>`, followed by the JSON Schema.
// - Every request sent reserves one call from the Budget first; none is sent when it is spent.
// - Our own retries (the SDK's are off): 429, 5xx, timeouts and connection errors, with capped
//   exponential backoff and jitter, honouring Retry-After. 401/403/404 are final.
// - A reply that does not parse or validate is shown back to the model once with the error.
// - Validated answers are cached on disk (kind "llm"), so repeated runs and --offline cost nothing.
// - Tokens and cost are summed per model and per step, per client view (one view per question; see
//   createLlmPool). The API key never appears in a message or log.
import { setTimeout as sleep } from "node:timers/promises";
import OpenAI, { APIConnectionError, APIError } from "openai";
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import pLimit, { type LimitFunction } from "p-limit";
import { z } from "zod";
import { type CacheMode, type CacheRequest, DiskCache } from "../http/cache.js";
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs } from "../http/retry.js";
import type { Logger } from "../log.js";
import type { Budget } from "./budget.js";
import { parseModelOutput, strictJsonSchema } from "./output.js";
import { costUsd, DEFAULT_MODEL_PRICES, type ModelPrice, priceOf } from "./prices.js";
import type { LlmClient, LlmFailureReason, LlmRequest, LlmResult, ModelEndpoint, TokenUsage, UsageSummary } from "./types.js";

export interface LlmRetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Wait before the first retry; doubles each time. */
  baseDelayMs: number;
  /** Cap on the exponential wait and on any Retry-After the server asks for. */
  maxDelayMs: number;
}

export const DEFAULT_LLM_RETRY: LlmRetryPolicy = { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 30_000 };
export const DEFAULT_LLM_TIMEOUT_MS = 120_000;

/** Everything about reaching the models that the questions of one process share. */
export interface LlmPoolOptions {
  main: ModelEndpoint;
  fast: ModelEndpoint;
  /** From OPENAI_API_KEY only; without it no Authorization header is sent (local servers). */
  apiKey?: string;
  logger: Logger;
  /** Requests in flight at once, for all roles, steps and questions together. */
  concurrency: number;
  /** US dollars per million tokens, merged over DEFAULT_MODEL_PRICES. */
  prices: Record<string, ModelPrice>;
  /** Without it nothing is cached. */
  cache?: { dir: string; mode: CacheMode };
  /** Per request, from sending to the end of the response. */
  timeoutMs?: number;
  retry?: Partial<LlmRetryPolicy>;
}

export interface LlmClientOptions extends LlmPoolOptions {
  budget: Budget;
}

/**
 * One concurrency limit, SDK instance per server, disk cache and set of learned output modes for
 * many questions. Each question gets its own client view, which reserves calls from that question's
 * budget and counts that question's usage.
 */
export interface LlmPool {
  readonly main: ModelEndpoint;
  readonly fast: ModelEndpoint;
  client(budget: Budget): LlmClient;
}

export function createLlmPool(options: LlmPoolOptions): LlmPool {
  const pool: PoolState = {
    main: options.main,
    fast: options.fast,
    apiKey: options.apiKey || undefined,
    logger: options.logger,
    limit: pLimit(options.concurrency),
    prices: { ...DEFAULT_MODEL_PRICES, ...options.prices },
    cacheMode: options.cache?.mode ?? "no-cache",
    cache: options.cache && options.cache.mode !== "no-cache" ? new DiskCache({ dir: options.cache.dir, logger: options.logger }) : undefined,
    timeoutMs: options.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS,
    retry: { ...DEFAULT_LLM_RETRY, ...options.retry },
    sdks: new Map(),
    endpoints: new Map(),
    jsonSchemas: new WeakMap(),
  };
  return { main: pool.main, fast: pool.fast, client: (budget) => new OpenAiCompatibleClient(pool, budget) };
}

/** A client of its own pool: the single-question convenience. */
export function createLlmClient(options: LlmClientOptions): LlmClient {
  const { budget, ...poolOptions } = options;
  return createLlmPool(poolOptions).client(budget);
}

type OutputMode = "json_schema" | "json_object" | "prompt";
const FALLBACK_MODE: Record<OutputMode, OutputMode | undefined> = { json_schema: "json_object", json_object: "prompt", prompt: undefined };
const MODE_LABEL: Record<OutputMode, string> = {
  json_schema: "json_schema",
  json_object: "JSON mode",
  prompt: "the schema in the prompt",
};

/** What we learned about one model on one server. */
interface EndpointState {
  mode: OutputMode;
  /** False once the server rejected `temperature` (reasoning models accept only the default). */
  sendsTemperature: boolean;
}

/** The parts of a chat completion we use; anything else the server sends is ignored. */
const CompletionSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish(), refusal: z.string().nullish() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: z
    .object({ prompt_tokens: z.number().nonnegative().default(0), completion_tokens: z.number().nonnegative().default(0) })
    .nullish()
    .catch(undefined),
});
type Completion = z.infer<typeof CompletionSchema>;

const CachedAnswerSchema = z.object({
  value: z.unknown(),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
});

interface Tokens {
  promptTokens: number;
  completionTokens: number;
}

/** How one request (with its retries) ended. */
type SendOutcome =
  | { kind: "ok"; completion: Completion }
  /** The server refused a parameter we can do without: the output mode, or `temperature`. */
  | { kind: "rejected"; parameter: "response_format" | "temperature" }
  | { kind: "failed"; reason: Extract<LlmFailureReason, "budget" | "failed">; message: string };

/** How one attempt ended, before deciding whether to retry. */
type AttemptError =
  | { kind: "rejected"; parameter: "response_format" | "temperature" }
  | { kind: "retryable"; message: string; retryAfterMs?: number }
  | { kind: "final"; message: string };

const OPENAI_HOST = "api.openai.com";
const CACHE_ENTRY_TYPE = "application/json";

/** What the client views of one pool share. */
interface PoolState {
  main: ModelEndpoint;
  fast: ModelEndpoint;
  apiKey: string | undefined;
  logger: Logger;
  limit: LimitFunction;
  prices: Record<string, ModelPrice>;
  cache: DiskCache | undefined;
  cacheMode: CacheMode;
  timeoutMs: number;
  retry: LlmRetryPolicy;
  sdks: Map<string, OpenAI>;
  endpoints: Map<string, EndpointState>;
  jsonSchemas: WeakMap<z.ZodType, Record<string, unknown>>;
}

class OpenAiCompatibleClient implements LlmClient {
  readonly main: ModelEndpoint;
  readonly fast: ModelEndpoint;
  readonly #pool: PoolState;
  readonly #budget: Budget;
  readonly #usage = { total: emptyUsage(), byModel: new Map<string, TokenUsage>(), byStep: new Map<string, TokenUsage>(), cachedCalls: 0 };

  constructor(pool: PoolState, budget: Budget) {
    this.main = pool.main;
    this.fast = pool.fast;
    this.#pool = pool;
    this.#budget = budget;
  }

  async complete<T>(request: LlmRequest<T>): Promise<LlmResult<T>> {
    const endpoint = request.role === "main" ? this.main : this.fast;
    const jsonSchema = this.#jsonSchemaFor(request.schema, request.schemaName);
    const cacheRequest: CacheRequest | undefined = this.#pool.cache && {
      kind: "llm",
      method: "POST",
      url: `${endpoint.baseUrl}/chat/completions`,
      body: canonicalJson({
        model: endpoint.model,
        messages: [
          { role: "system", content: request.system },
          { role: "user", content: request.user },
        ],
        schema: jsonSchema,
        temperature: request.temperature ?? null,
      }),
    };
    if (cacheRequest) {
      const cached = await this.#readCache(cacheRequest, request.schema);
      if (cached.found) {
        this.#usage.cachedCalls += 1;
        return { ok: true, value: cached.value, fromCache: true };
      }
      if (this.#pool.cacheMode === "offline") return { ok: false, reason: "failed", message: "offline: no cached answer for this LLM call" };
    }

    const answer = await this.#converse(endpoint, request, jsonSchema);
    if (!answer.ok) return answer;
    if (cacheRequest) await this.#writeCache(cacheRequest, answer.json, answer.tokens);
    return { ok: true, value: answer.value, fromCache: false };
  }

  usage(): UsageSummary {
    const { total, byModel, byStep, cachedCalls } = this.#usage;
    const copy = (map: Map<string, TokenUsage>) => Object.fromEntries([...map].map(([key, usage]) => [key, { ...usage }]));
    return { ...total, byModel: copy(byModel), byStep: copy(byStep), cachedCalls };
  }

  /** Ask until the answer validates, the model refuses, or one repair attempt has failed too. */
  async #converse<T>(
    endpoint: ModelEndpoint,
    request: LlmRequest<T>,
    jsonSchema: Record<string, unknown>,
  ): Promise<{ ok: true; value: T; json: unknown; tokens: Tokens } | { ok: false; reason: LlmFailureReason; message: string }> {
    const state = this.#stateFor(endpoint);
    const tokens: Tokens = { promptTokens: 0, completionTokens: 0 };
    let repair: ChatCompletionMessageParam[] = [];
    for (;;) {
      const mode = state.mode;
      const messages: ChatCompletionMessageParam[] = [
        { role: "system", content: mode === "json_schema" ? request.system : withSchemaInstructions(request.system, request.schemaName, jsonSchema) },
        { role: "user", content: request.user },
        ...repair,
      ];
      const outcome = await this.#send(endpoint, this.#body(endpoint, state, mode, request, jsonSchema, messages), request);
      if (outcome.kind === "failed") return { ok: false, reason: outcome.reason, message: outcome.message };
      if (outcome.kind === "rejected") {
        this.#giveUp(endpoint, state, outcome.parameter, mode);
        continue;
      }

      const [choice] = outcome.completion.choices;
      const usage = outcome.completion.usage;
      tokens.promptTokens += usage?.prompt_tokens ?? 0;
      tokens.completionTokens += usage?.completion_tokens ?? 0;
      this.#account(endpoint.model, request.step, usage?.prompt_tokens ?? 0, usage?.completion_tokens ?? 0);

      if (choice?.message.refusal || choice?.finish_reason === "content_filter") {
        const why = choice.message.refusal ? `: ${this.#redact(truncate(choice.message.refusal, 200))}` : " (content filter)";
        return { ok: false, reason: "refused", message: `${endpoint.model} refused the ${request.step} request${why}` };
      }
      const content = choice?.message.content ?? "";
      const parsed = parseModelOutput(content, request.schema);
      if (parsed.ok) return { ok: true, value: parsed.value, json: parsed.json, tokens };
      if (repair.length > 0) {
        const message = `${endpoint.model} gave no usable answer for ${request.step} (${parsed.error})`;
        this.#pool.logger.warn({ model: endpoint.model, step: request.step }, this.#redact(message));
        return { ok: false, reason: "invalid-output", message: this.#redact(message) };
      }
      this.#pool.logger.debug({ model: endpoint.model, step: request.step, error: parsed.error }, "llm: unusable reply, asking again");
      repair = [
        { role: "assistant", content },
        { role: "user", content: `Your reply could not be used: ${parsed.error}. Reply with only the JSON object that matches the schema, nothing else.` },
      ];
    }
  }

  #body(
    endpoint: ModelEndpoint,
    state: EndpointState,
    mode: OutputMode,
    request: LlmRequest<unknown>,
    jsonSchema: Record<string, unknown>,
    messages: ChatCompletionMessageParam[],
  ): ChatCompletionCreateParamsNonStreaming {
    const body: ChatCompletionCreateParamsNonStreaming = { model: endpoint.model, messages };
    if (request.temperature !== undefined && state.sendsTemperature) body.temperature = request.temperature;
    // OpenAI's reasoning models refuse max_tokens; many other servers know only max_tokens.
    if (request.maxOutputTokens !== undefined) {
      if (isOpenAi(endpoint.baseUrl)) body.max_completion_tokens = request.maxOutputTokens;
      else body.max_tokens = request.maxOutputTokens;
    }
    if (mode === "json_schema") {
      body.response_format = { type: "json_schema", json_schema: { name: request.schemaName, strict: true, schema: jsonSchema } };
    } else if (mode === "json_object") {
      body.response_format = { type: "json_object" };
    }
    return body;
  }

  /** One request with its retries. Every attempt reserves a call from the budget before it is sent. */
  async #send(endpoint: ModelEndpoint, body: ChatCompletionCreateParamsNonStreaming, request: LlmRequest<unknown>): Promise<SendOutcome> {
    const sdk = this.#sdkFor(endpoint.baseUrl);
    const cancelled: SendOutcome = { kind: "failed", reason: "failed", message: `the ${request.step} request to ${endpoint.model} was cancelled` };
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.#pool.limit(async () => {
        // Checked here, not before queueing: a call waiting for its turn must not hold budget, and one
        // cancelled while waiting must not spend any.
        if (request.signal?.aborted) return "cancelled";
        if (!this.#budget.tryReserveCall()) return "budget";
        return this.#attempt(sdk, endpoint, body, request.signal);
      });
      if (result === "budget") return { kind: "failed", reason: "budget", message: this.#budget.exhausted() ?? "the LLM budget is spent" };
      if (result === "cancelled") return cancelled;
      if (result.kind === "ok" || result.kind === "rejected") return result;
      if (request.signal?.aborted) return cancelled;
      if (result.kind === "final" || attempt > this.#pool.retry.maxRetries) {
        const message = result.kind === "final" ? result.message : `${result.message}, after ${attempt} attempts`;
        this.#pool.logger.debug({ model: endpoint.model, step: request.step, attempts: attempt }, `llm: ${message}`);
        return { kind: "failed", reason: "failed", message };
      }
      const waitMs =
        result.retryAfterMs !== undefined
          ? Math.min(result.retryAfterMs, this.#pool.retry.maxDelayMs)
          : backoffDelayMs(attempt, { ...this.#pool.retry, random: Math.random });
      this.#pool.logger.debug({ model: endpoint.model, step: request.step, attempt, waitMs }, `llm: ${result.message}; retrying`);
      try {
        await sleep(waitMs, undefined, { signal: request.signal });
      } catch {
        return cancelled;
      }
    }
  }

  async #attempt(
    sdk: OpenAI,
    endpoint: ModelEndpoint,
    body: ChatCompletionCreateParamsNonStreaming,
    signal: AbortSignal | undefined,
  ): Promise<{ kind: "ok"; completion: Completion } | AttemptError> {
    const timeout = AbortSignal.timeout(this.#pool.timeoutMs);
    const server = `the LLM server at ${endpoint.baseUrl}`;
    let raw: unknown;
    try {
      raw = await sdk.chat.completions.create(body, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (error) {
      if (timeout.aborted && !signal?.aborted) {
        return { kind: "retryable", message: `${server} did not answer within ${formatDuration(this.#pool.timeoutMs)} (model ${endpoint.model})` };
      }
      return this.#classify(error, endpoint, body);
    }
    const completion = CompletionSchema.safeParse(raw);
    if (!completion.success) return { kind: "retryable", message: `${server} sent a malformed response (model ${endpoint.model})` };
    return { kind: "ok", completion: completion.data };
  }

  /** What an error from the SDK means for this request. Server text is quoted only with the key removed. */
  #classify(error: unknown, endpoint: ModelEndpoint, body: ChatCompletionCreateParamsNonStreaming): AttemptError {
    const server = `the LLM server at ${endpoint.baseUrl}`;
    const model = endpoint.model;
    if (error instanceof APIConnectionError) {
      const cause = error.cause instanceof Error ? (error.cause.cause instanceof Error ? error.cause.cause.message : error.cause.message) : error.message;
      return { kind: "retryable", message: `could not reach ${server} (${this.#redact(cause)})` };
    }
    if (!(error instanceof APIError) || error.status === undefined) {
      // The SDK throws the JSON parser's error for a 200 with a broken body.
      return { kind: "retryable", message: `${server} sent a malformed response (model ${model})` };
    }
    const status = error.status;
    const detail = this.#redact(truncate(serverMessage(error), 300));
    switch (status) {
      case 401:
        return {
          kind: "final",
          message: this.#pool.apiKey ? `${server} rejected the API key (HTTP 401)` : `${server} needs an API key (HTTP 401); set OPENAI_API_KEY`,
        };
      case 403:
        return { kind: "final", message: `${server} refused access to model ${model} (HTTP 403)` };
      case 404:
        return { kind: "final", message: `${server} does not know model ${model}, or has no /chat/completions (HTTP 404)` };
    }
    if (body.temperature !== undefined && rejectsTemperature(error, detail)) return { kind: "rejected", parameter: "temperature" };
    if (body.response_format !== undefined && rejectsOutputMode(status, error, detail)) return { kind: "rejected", parameter: "response_format" };
    const message = `${server} answered HTTP ${status} for model ${model}${detail ? `: ${detail}` : ""}`;
    if (!isRetryableStatus(status)) return { kind: "final", message };
    return { kind: "retryable", message, retryAfterMs: retryAfterMs(error.headers) };
  }

  /** Stop sending what the server rejected, for every later call to this model on this server. */
  #giveUp(endpoint: ModelEndpoint, state: EndpointState, parameter: "response_format" | "temperature", modeSent: OutputMode): void {
    const where = `${endpoint.model} at ${endpoint.baseUrl}`;
    if (parameter === "temperature") {
      if (state.sendsTemperature) this.#pool.logger.info(`${where} does not accept a temperature; using its default`);
      state.sendsTemperature = false;
      return;
    }
    const fallback = FALLBACK_MODE[modeSent];
    // A concurrent call may have moved further down already; only the first to see a rejection logs it.
    if (fallback === undefined || state.mode !== modeSent) return;
    state.mode = fallback;
    this.#pool.logger.info(`${where} does not support ${MODE_LABEL[modeSent]}; using ${MODE_LABEL[fallback]}`);
  }

  #account(model: string, step: string, promptTokens: number, completionTokens: number): void {
    const price = priceOf(model, this.#pool.prices);
    const cost = price === undefined ? undefined : costUsd(price, promptTokens, completionTokens);
    if (cost !== undefined) this.#budget.addCost(cost);
    const { total, byModel, byStep } = this.#usage;
    for (const usage of [total, entryFor(byModel, model), entryFor(byStep, step)]) {
      usage.calls += 1;
      usage.promptTokens += promptTokens;
      usage.completionTokens += completionTokens;
      usage.costUsd = usage.costUsd === undefined || cost === undefined ? undefined : usage.costUsd + cost;
    }
  }

  async #readCache<T>(cacheRequest: CacheRequest, schema: z.ZodType<T>): Promise<{ found: true; value: T } | { found: false }> {
    const lookup = await this.#pool.cache?.read(cacheRequest);
    if (!lookup || !(lookup.fresh || this.#pool.cacheMode === "offline")) return { found: false };
    let stored: unknown;
    try {
      stored = JSON.parse(lookup.response.body.toString("utf8"));
    } catch {
      stored = undefined;
    }
    const entry = CachedAnswerSchema.safeParse(stored);
    const value = entry.success ? schema.safeParse(entry.data.value) : undefined;
    if (!value?.success) {
      this.#pool.logger.debug({ url: cacheRequest.url }, "llm cache: stored answer is damaged or does not fit the schema, treated as a miss");
      return { found: false };
    }
    return { found: true, value: value.data };
  }

  /** Stores the JSON the model wrote, validated; it is validated again when read, so a changed schema is a miss. */
  async #writeCache(cacheRequest: CacheRequest, json: unknown, usage: Tokens): Promise<void> {
    const body = Buffer.from(JSON.stringify({ value: json, usage } satisfies z.input<typeof CachedAnswerSchema>));
    await this.#pool.cache?.write(cacheRequest, { status: 200, headers: { "content-type": CACHE_ENTRY_TYPE }, body, url: cacheRequest.url });
  }

  #jsonSchemaFor(schema: z.ZodType, schemaName: string): Record<string, unknown> {
    let jsonSchema = this.#pool.jsonSchemas.get(schema);
    if (!jsonSchema) {
      jsonSchema = strictJsonSchema(schema, schemaName);
      this.#pool.jsonSchemas.set(schema, jsonSchema);
    }
    return jsonSchema;
  }

  #stateFor(endpoint: ModelEndpoint): EndpointState {
    const key = `${endpoint.baseUrl} ${endpoint.model}`;
    let state = this.#pool.endpoints.get(key);
    if (!state) {
      state = { mode: "json_schema", sendsTemperature: true };
      this.#pool.endpoints.set(key, state);
    }
    return state;
  }

  #sdkFor(baseUrl: string): OpenAI {
    let sdk = this.#pool.sdks.get(baseUrl);
    if (!sdk) {
      sdk = new OpenAI({
        baseURL: baseUrl,
        // The SDK insists on a key; without one, the Authorization header is removed instead.
        apiKey: this.#pool.apiKey ?? "unused",
        ...(this.#pool.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
        // Retries and timeouts are ours (see #send and #attempt); the SDK's would hide them from the budget.
        maxRetries: 0,
        logLevel: "off",
      });
      this.#pool.sdks.set(baseUrl, sdk);
    }
    return sdk;
  }

  #redact(text: string): string {
    return this.#pool.apiKey ? text.split(this.#pool.apiKey).join("REDACTED") : text;
  }
}

/** The system prompt plus the schema, for servers that cannot enforce it. The `schema:` line is the fake server's marker. */
function withSchemaInstructions(system: string, schemaName: string, jsonSchema: Record<string, unknown>): string {
  return `${system}\n\nReply with one JSON object and nothing else (no Markdown, no explanation). It must match this JSON Schema:\nschema: ${schemaName}\n${JSON.stringify(jsonSchema)}`;
}

/** The server's own words: OpenAI's `{error: {message}}`, Ollama's `{error: "…"}`, or the SDK's summary. */
function serverMessage(error: APIError): string {
  const body: unknown = error.error;
  if (typeof body === "string") return body;
  if (typeof body === "object" && body !== null && "message" in body && typeof body.message === "string") return body.message;
  return "";
}

/**
 * Whether the server rejected the output mode rather than the request: OpenAI ("'response_format' of
 * type 'json_schema' is not supported with this model", param response_format), llama.cpp (HTTP
 * 500 "response_format type must be one of \"text\" or \"json_object\""), Ollama ("invalid format"),
 * vLLM and others (400/422 naming json_schema, guided decoding or grammars).
 */
function rejectsOutputMode(status: number, error: APIError, detail: string): boolean {
  if (error.param && error.param !== "response_format") return false;
  if (error.param === "response_format") return status === 400 || status === 422 || status === 500;
  if (status === 500) return /response_format|json_schema/i.test(detail);
  return (status === 400 || status === 422) && /response_format|json_schema|json_object|structured output|guided|grammar|invalid format|not supported|unsupported/i.test(detail);
}

/** OpenAI's reasoning models: "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported." */
function rejectsTemperature(error: APIError, detail: string): boolean {
  return error.status === 400 && (error.param === "temperature" || /temperature/i.test(detail)) && /unsupported|not support|only the default/i.test(detail);
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const milliseconds = Number(headers?.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  return parseRetryAfterMs(headers?.get("retry-after") ?? undefined, Date.now());
}

function isOpenAi(baseUrl: string): boolean {
  return new URL(baseUrl).hostname === OPENAI_HOST;
}

function emptyUsage(): TokenUsage {
  return { calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
}

function entryFor(map: Map<string, TokenUsage>, key: string): TokenUsage {
  let usage = map.get(key);
  if (!usage) {
    usage = emptyUsage();
    map.set(key, usage);
  }
  return usage;
}

/** JSON with object keys sorted at every level, so equal requests give equal cache keys. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === "object" && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
