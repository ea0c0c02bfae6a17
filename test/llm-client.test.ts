import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { z } from "zod";
import type { CacheMode } from "../src/http/cache.js";
import { Budget } from "../src/llm/budget.js";
import { createLlmClient, createLlmPool, type LlmClientOptions } from "../src/llm/client.js";
import { strictJsonSchema } from "../src/llm/output.js";
import type { LlmClient, LlmRequest } from "../src/llm/types.js";
import { closedPort } from "./helpers/ports.js";
import { bySchema, fakeTokens, type FakeLlmOptions, startFakeLlm } from "./helpers/fake-llm.js";
import { capturedLogger } from "./helpers/sources.js";
import { makeTempDir } from "./helpers/temp.js";

const Answer = z.object({
  claim: z.string(),
  confidence: z.number().nullable(),
  sources: z.array(z.object({ key: z.string(), quote: z.string() })),
});
type Answer = z.infer<typeof Answer>;
const GOOD: Answer = { claim: "BM25 ranks well", confidence: 0.8, sources: [{ key: "E1", quote: "sparse retrieval works" }] };
const API_KEY = "sk-test-SECRET-key-1234567890";

type SetupOptions = Partial<Omit<LlmClientOptions, "main" | "fast">> & { mainModel?: string; fastModel?: string };

async function setup(reply: FakeLlmOptions["reply"], options: SetupOptions = {}) {
  const llm = await startFakeLlm({ reply });
  onTestFinished(() => llm.close());
  const log = capturedLogger();
  const { mainModel = "fake-model", fastModel = "fake-fast", ...clientOptions } = options;
  const budget = clientOptions.budget ?? new Budget({});
  const client = createLlmClient({
    main: { baseUrl: llm.baseUrl, model: mainModel },
    fast: { baseUrl: llm.baseUrl, model: fastModel },
    budget,
    logger: log.logger,
    concurrency: 6,
    prices: {},
    retry: { baseDelayMs: 1, maxDelayMs: 20 },
    ...clientOptions,
  });
  return { llm, client, log, budget };
}


function ask(client: LlmClient, extra: Partial<LlmRequest<Answer>> = {}) {
  return client.complete({
    step: "answer",
    role: "main",
    system: "You answer questions from evidence.",
    user: "Does sparse retrieval work?",
    schema: Answer,
    schemaName: "answer",
    ...extra,
  });
}

describe("the LLM client's requests", () => {
  it("asks for a strict json_schema answer and returns the validated object", async () => {
    const { llm, client } = await setup(bySchema({ answer: () => ({ json: GOOD }) }));
    const result = await ask(client, { temperature: 0.2, maxOutputTokens: 500 });
    expect(result).toEqual({ ok: true, value: GOOD, fromCache: false });

    const [request, ...others] = llm.completions();
    expect(others).toEqual([]);
    expect(request!.body).toMatchObject({
      model: "fake-model",
      temperature: 0.2,
      max_tokens: 500,
      messages: [
        { role: "system", content: "You answer questions from evidence." },
        { role: "user", content: "Does sparse retrieval work?" },
      ],
    });
    const format = request!.body.response_format;
    expect(format?.type).toBe("json_schema");
    expect(format?.json_schema).toMatchObject({ name: "answer", strict: true });
    expect(format?.json_schema?.schema).toMatchObject({
      type: "object",
      required: ["claim", "confidence", "sources"],
      additionalProperties: false,
      properties: { sources: { items: { required: ["key", "quote"], additionalProperties: false } } },
    });
    // Without a key, no Authorization header at all (local servers).
    expect(request!.headers.authorization).toBeUndefined();
  });

  it("sends the API key as a bearer token and uses the fast model for the fast role", async () => {
    const { llm, client } = await setup(() => ({ json: GOOD }), { apiKey: API_KEY });
    await ask(client, { role: "fast" });
    expect(llm.completions()[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(llm.completions()[0]!.body.model).toBe("fake-fast");
  });
});

describe("strictJsonSchema", () => {
  it("requires every property and forbids extra keys at every level of a nested schema", () => {
    const Nested = z.object({
      title: z.string(),
      section: z.object({ heading: z.string().nullable(), paragraphs: z.array(z.object({ text: z.string() })) }),
      verdict: z.union([z.object({ supported: z.boolean() }), z.null()]),
    });
    const schema = strictJsonSchema(Nested, "nested");
    expect(schema.$schema).toBeUndefined();
    expect(schema).toMatchObject({ required: ["title", "section", "verdict"], additionalProperties: false });
    const section = (schema.properties as Record<string, Record<string, unknown>>).section!;
    expect(section).toMatchObject({ required: ["heading", "paragraphs"], additionalProperties: false });
    expect(section.properties).toMatchObject({ paragraphs: { items: { required: ["text"], additionalProperties: false } } });
    expect(JSON.stringify(schema.properties)).toContain('{"type":"object","properties":{"supported":{"type":"boolean"}},"required":["supported"],"additionalProperties":false}');
  });

  it("describes validation keywords in words instead of sending them, and zod still enforces them", async () => {
    const Bounded = z.object({
      term: z.string().min(1).max(80).describe("a search term"),
      relevance: z.int().min(0).max(10),
      synonyms: z.array(z.string()).max(6),
    });
    const schema = strictJsonSchema(Bounded, "bounded");
    expect(schema.properties).toEqual({
      term: { type: "string", description: "a search term (minLength 1, maxLength 80)" },
      relevance: { type: "integer", description: "(minimum 0, maximum 10)" },
      synonyms: { type: "array", items: { type: "string" }, description: "(maxItems 6)" },
    });

    const { llm, client } = await setup((_request, n) => ({ json: { term: "bm25", relevance: n === 1 ? 11 : 7, synonyms: [] } }));
    const result = await client.complete({ step: "plan", role: "main", system: "Plan.", user: "Q?", schema: Bounded, schemaName: "bounded" });
    expect(result).toMatchObject({ ok: true, value: { relevance: 7 } });
    expect(llm.completions()[1]!.body.messages[3]!.content).toContain("relevance: Too big: expected number to be <=10");
  });

  it("refuses optional properties and records, naming where they are", () => {
    expect(() => strictJsonSchema(z.object({ outer: z.object({ note: z.string().optional() }) }), "plan")).toThrow(
      'schema plan at outer: property "note" is optional; strict structured outputs need it required (use .nullable())',
    );
    expect(() => strictJsonSchema(z.object({ scores: z.record(z.string(), z.number()) }), "scores")).toThrow(/schema scores at scores: a record/);
  });
});

describe("output modes", () => {
  it("falls back to JSON mode, then to the schema in the prompt, and remembers it", async () => {
    const { llm, client, log } = await setup((request) => {
      switch (request.body.response_format?.type) {
        case "json_schema":
          return {
            status: 400,
            param: "response_format",
            message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
          };
        case "json_object":
          return { status: 422, message: "response_format json_object is not supported by this server" };
        default:
          return { content: JSON.stringify(GOOD) };
      }
    });
    expect(await ask(client)).toMatchObject({ ok: true, value: GOOD });
    expect(llm.completions().map((request) => request.body.response_format?.type ?? "none")).toEqual(["json_schema", "json_object", "none"]);
    const system = llm.completions()[2]!.body.messages[0]!.content;
    expect(system).toMatch(/^You answer questions from evidence\.\n\nReply with one JSON object/);
    expect(system).toContain('\nschema: answer\n{"type":"object"');

    expect(await ask(client, { user: "Another question?" })).toMatchObject({ ok: true });
    expect(llm.completions()).toHaveLength(4);
    expect(llm.completions()[3]!.body.response_format).toBeUndefined();

    const url = llm.baseUrl;
    expect(log.output().split(`fake-model at ${url} does not support json_schema; using JSON mode`)).toHaveLength(2);
    expect(log.output()).toContain(`fake-model at ${url} does not support JSON mode; using the schema in the prompt`);
  });

  it.each([
    ["llama.cpp (HTTP 500)", { status: 500, message: 'response_format type must be one of "text" or "json_object", but got: json_schema' }],
    ["Ollama", { status: 400, message: 'invalid format: expected "json" or a JSON schema' }],
    ["vLLM", { status: 400, message: "json_schema is not supported by the guided decoding backend" }],
  ])("recognises %s rejecting json_schema and uses JSON mode with the schema in the system message", async (_server, rejection) => {
    const { llm, client } = await setup(bySchema({ answer: (request) => (request.body.response_format?.type === "json_schema" ? rejection : { json: GOOD }) }));
    expect(await ask(client)).toMatchObject({ ok: true, value: GOOD });
    expect(llm.completions().map((request) => request.body.response_format?.type)).toEqual(["json_schema", "json_object"]);
    expect(llm.completions()[1]!.body.messages[0]!.content).toContain("\nschema: answer\n");
  });

  it("drops a temperature the model does not accept, for later calls too", async () => {
    const { llm, client, log } = await setup((request) =>
      request.body.temperature === undefined
        ? { json: GOOD }
        : {
            status: 400,
            param: "temperature",
            code: "unsupported_value",
            message: "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.",
          },
    );
    expect(await ask(client, { temperature: 0.2 })).toMatchObject({ ok: true });
    expect(await ask(client, { temperature: 0.2, user: "Again?" })).toMatchObject({ ok: true });
    expect(llm.completions().map((request) => request.body.temperature)).toEqual([0.2, undefined, undefined]);
    expect(llm.completions().map((request) => request.body.response_format?.type)).toEqual(["json_schema", "json_schema", "json_schema"]);
    expect(log.output()).toContain("does not accept a temperature; using its default");
  });
});

describe("reading the model's reply", () => {
  it.each([
    ["a think block", `<think>The user wants {"claim": "nope"} maybe…</think>\n${JSON.stringify(GOOD)}`],
    ["a reasoning block whose opening tag was in the prompt", `so the answer is {"claim": 1}</think>${JSON.stringify(GOOD)}`],
    ["a Markdown fence", "```json\n" + JSON.stringify(GOOD, null, 2) + "\n```"],
    ["prose around the JSON", `Sure! Here is the answer: ${JSON.stringify(GOOD)} Let me know {if} you need more.`],
    ["braces inside strings", JSON.stringify({ ...GOOD, claim: "a } tricky { claim" })],
  ])("finds the JSON object in a reply with %s", async (_case, content) => {
    const { llm, client } = await setup(() => ({ content }));
    const result = await ask(client);
    expect(result.ok).toBe(true);
    expect(result.ok && result.value.sources).toEqual(GOOD.sources);
    expect(llm.completions()).toHaveLength(1);
  });

  it("shows the model its validation error once and accepts the corrected answer", async () => {
    const bad = JSON.stringify({ claim: 42, confidence: null, sources: [{ key: "E1" }] });
    const { llm, client } = await setup((_request, n) => (n === 1 ? { content: bad } : { json: GOOD }));
    expect(await ask(client)).toEqual({ ok: true, value: GOOD, fromCache: false });

    const [first, second] = llm.completions();
    expect(second!.body.messages.slice(0, 2)).toEqual(first!.body.messages);
    expect(second!.body.messages[2]).toEqual({ role: "assistant", content: bad });
    const correction = second!.body.messages[3]!;
    expect(correction.role).toBe("user");
    expect(correction.content).toMatch(/^Your reply could not be used: the JSON does not match the schema: claim: .*expected string.*; sources\.0\.quote: /);
    expect(correction.content).toContain("Reply with only the JSON object");
  });

  it("gives up with invalid-output after the second bad reply, and says so in a warning", async () => {
    const { llm, client, log } = await setup(() => ({ content: "I am not sure, sorry." }));
    const result = await ask(client);
    expect(result).toEqual({ ok: false, reason: "invalid-output", message: "fake-model gave no usable answer for answer (the reply holds no JSON object)" });
    expect(llm.completions()).toHaveLength(2);
    expect(llm.completions()[1]!.body.messages[3]!.content).toContain("the reply holds no JSON object");
    expect(log.output()).toContain("litreview: warn: fake-model gave no usable answer for answer");
  });

  it.each([
    ["a refusal", { refusal: "I can't help with that." }, "fake-model refused the answer request: I can't help with that."],
    ["a content filter stop", { content: "", finishReason: "content_filter" }, "fake-model refused the answer request (content filter)"],
  ])("reports %s as refused, without asking again", async (_case, reply, message) => {
    const { llm, client } = await setup(() => reply);
    expect(await ask(client)).toEqual({ ok: false, reason: "refused", message });
    expect(llm.completions()).toHaveLength(1);
  });
});

describe("retries and failures", () => {
  it("waits as long as Retry-After asks after a 429, then succeeds", async () => {
    const { llm, client } = await setup((_request, n) => (n === 1 ? { status: 429, retryAfter: 1, message: "Rate limit reached" } : { json: GOOD }), {
      retry: { baseDelayMs: 1, maxDelayMs: 5000 },
    });
    expect(await ask(client)).toMatchObject({ ok: true, value: GOOD });
    const [first, second] = llm.completions();
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it("caps a long Retry-After at the longest backoff", async () => {
    const { llm, client } = await setup((_request, n) => (n === 1 ? { status: 503, retryAfter: 3600 } : { json: GOOD }), {
      retry: { baseDelayMs: 1, maxDelayMs: 50 },
    });
    expect(await ask(client)).toMatchObject({ ok: true });
    const [first, second] = llm.completions();
    expect(second!.receivedAt - first!.receivedAt).toBeLessThan(1000);
  });

  it("retries a malformed response", async () => {
    const { llm, client } = await setup((_request, n) => (n === 1 ? { malformed: true } : { json: GOOD }));
    expect(await ask(client)).toMatchObject({ ok: true });
    expect(llm.completions()).toHaveLength(2);
  });

  it("fails after the last retry of a server error, naming server, model and status", async () => {
    const { llm, client } = await setup(() => ({ status: 500, message: "CUDA out of memory" }));
    const result = await ask(client);
    expect(result).toEqual({
      ok: false,
      reason: "failed",
      message: `the LLM server at ${llm.baseUrl} answered HTTP 500 for model fake-model: CUDA out of memory, after 4 attempts`,
    });
    expect(llm.completions()).toHaveLength(4);
  });

  it("does not retry a rejected API key, and never shows the key", async () => {
    const { llm, client, log } = await setup(() => ({ status: 401, message: `Incorrect API key provided: ${API_KEY}.` }), { apiKey: API_KEY });
    const result = await ask(client);
    expect(result).toEqual({ ok: false, reason: "failed", message: `the LLM server at ${llm.baseUrl} rejected the API key (HTTP 401)` });
    expect(llm.completions()).toHaveLength(1);
    expect(log.output()).not.toBe("");
    expect(log.output()).not.toContain(API_KEY);
  });

  it("removes the key from server messages it quotes", async () => {
    const { client, log } = await setup(() => ({ status: 400, message: `the request with key ${API_KEY} is too long` }), { apiKey: API_KEY });
    const result = await ask(client);
    expect(result.ok === false && result.message).toContain("the request with key REDACTED is too long");
    expect(JSON.stringify(result)).not.toContain(API_KEY);
    expect(log.output()).not.toContain(API_KEY);
  });

  it("does not retry an unknown model", async () => {
    const { llm, client } = await setup(() => ({ status: 404, message: "model 'fake-model' not found" }));
    expect(await ask(client)).toEqual({
      ok: false,
      reason: "failed",
      message: `the LLM server at ${llm.baseUrl} does not know model fake-model, or has no /chat/completions (HTTP 404)`,
    });
    expect(llm.completions()).toHaveLength(1);
  });

  it("retries a request that takes longer than the timeout, then fails naming the wait", async () => {
    const { llm, client } = await setup(() => ({ json: GOOD, delayMs: 2000 }), { timeoutMs: 100, retry: { maxRetries: 1, baseDelayMs: 1 } });
    expect(await ask(client)).toEqual({
      ok: false,
      reason: "failed",
      message: `the LLM server at ${llm.baseUrl} did not answer within 100 ms (model fake-model), after 2 attempts`,
    });
    expect(llm.completions()).toHaveLength(2);
  });

  it("fails with the reason when the server cannot be reached", async () => {
    const port = await closedPort();
    const baseUrl = `http://127.0.0.1:${port}/v1`;
    const client = createLlmClient({
      main: { baseUrl, model: "fake-model" },
      fast: { baseUrl, model: "fake-model" },
      budget: new Budget({}),
      logger: capturedLogger().logger,
      concurrency: 1,
      prices: {},
      retry: { maxRetries: 1, baseDelayMs: 1 },
    });
    expect(await ask(client)).toEqual({
      ok: false,
      reason: "failed",
      message: `could not reach the LLM server at ${baseUrl} (connect ECONNREFUSED 127.0.0.1:${port}), after 2 attempts`,
    });
  });

  it("stops when the caller cancels", async () => {
    const { client } = await setup(() => ({ json: GOOD, delayMs: 5000 }));
    const controller = new AbortController();
    const started = performance.now();
    const pending = ask(client, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toEqual({ ok: false, reason: "failed", message: "the answer request to fake-model was cancelled" });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("budget and concurrency", () => {
  it("sends no request once the call budget is spent", async () => {
    const budget = new Budget({ maxLlmCalls: 3 });
    // Answering: no calls are held back for the answer (see Budget), so the whole limit is usable.
    budget.startAnswering();
    const { llm, client } = await setup(() => ({ json: GOOD }), { budget });
    for (const question of ["one?", "two?", "three?"]) expect(await ask(client, { user: question })).toMatchObject({ ok: true });
    expect(await ask(client, { user: "four?" })).toEqual({
      ok: false,
      reason: "budget",
      message: "the LLM call budget (--max-llm-calls 3) is spent",
    });
    expect(llm.completions()).toHaveLength(3);
  });

  it("counts every retry against the budget", async () => {
    const budget = new Budget({ maxLlmCalls: 2 });
    budget.startAnswering();
    const { llm, client } = await setup(() => ({ status: 503 }), { budget });
    expect(await ask(client)).toMatchObject({ ok: false, reason: "budget" });
    expect(llm.completions()).toHaveLength(2);
  });

  it("never has more requests in flight than its concurrency, across roles", async () => {
    const { llm, client } = await setup(() => ({ json: GOOD, delayMs: 100 }), { concurrency: 2 });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, index) => ask(client, { user: `question ${index}?`, role: index % 2 === 0 ? "main" : "fast" })),
    );
    expect(results.every((result) => result.ok)).toBe(true);
    expect(llm.completions()).toHaveLength(6);
    expect(llm.maxInFlight).toBe(2);
  });

  it("gives each question of a pool its own budget and usage, under one concurrency limit", async () => {
    const llm = await startFakeLlm({ reply: () => ({ json: GOOD, delayMs: 100 }) });
    onTestFinished(() => llm.close());
    const pool = createLlmPool({
      main: { baseUrl: llm.baseUrl, model: "fake-model" },
      fast: { baseUrl: llm.baseUrl, model: "fake-fast" },
      logger: capturedLogger().logger,
      concurrency: 2,
      prices: {},
    });
    const firstBudget = new Budget({ maxLlmCalls: 3 });
    firstBudget.startAnswering();
    const first = pool.client(firstBudget);
    const second = pool.client(new Budget({}));
    const results = await Promise.all([
      ...Array.from({ length: 4 }, (_, index) => ask(first, { user: `first ${index}?` })),
      ...Array.from({ length: 4 }, (_, index) => ask(second, { user: `second ${index}?` })),
    ]);
    // Two questions at once still send at most two requests at once.
    expect(llm.maxInFlight).toBe(2);
    // The first question's budget stopped its fourth call; the second question was not charged for it.
    expect(results.filter((result) => !result.ok)).toEqual([{ ok: false, reason: "budget", message: "the LLM call budget (--max-llm-calls 3) is spent" }]);
    expect(firstBudget.calls).toBe(3);
    expect(first.usage().calls).toBe(3);
    expect(second.usage().calls).toBe(4);
    expect(llm.completions()).toHaveLength(7);
  });
});

describe("usage and cost", () => {
  /** The tokens the fake server counts for one request and its answer. */
  const tokensOf = (messages: { content: string }[]) => ({
    prompt: fakeTokens(messages.map((message) => message.content).join("")),
    completion: fakeTokens(JSON.stringify(GOOD)),
  });

  it("sums tokens per model and per step, prices known models and leaves unknown ones unpriced", async () => {
    const { llm, client, budget } = await setup(() => ({ json: GOOD }), { mainModel: "gpt-4.1-mini-2025-04-14", fastModel: "local-llama" });
    await ask(client, { step: "plan" });
    await ask(client, { step: "answer", user: "A longer question about sparse retrieval?" });
    await ask(client, { step: "evidence", role: "fast" });

    const [plan, answer, evidence] = llm.completions().map((request) => tokensOf(request.body.messages));
    const priced = [plan!, answer!].reduce((sum, tokens) => sum + (0.4 * tokens.prompt + 1.6 * tokens.completion) / 1e6, 0);
    const usage = client.usage();
    expect(usage.byModel["gpt-4.1-mini-2025-04-14"]).toEqual({
      calls: 2,
      promptTokens: plan!.prompt + answer!.prompt,
      completionTokens: plan!.completion + answer!.completion,
      costUsd: expect.closeTo(priced, 12),
    });
    expect(usage.byModel["local-llama"]).toEqual({ calls: 1, promptTokens: evidence!.prompt, completionTokens: evidence!.completion, costUsd: undefined });
    expect(usage.byStep.plan).toEqual({ calls: 1, promptTokens: plan!.prompt, completionTokens: plan!.completion, costUsd: expect.closeTo((0.4 * plan!.prompt + 1.6 * plan!.completion) / 1e6, 12) });
    expect(usage.byStep.evidence?.costUsd).toBeUndefined();
    expect(usage).toMatchObject({
      calls: 3,
      promptTokens: plan!.prompt + answer!.prompt + evidence!.prompt,
      completionTokens: 3 * plan!.completion,
      costUsd: undefined,
      cachedCalls: 0,
    });
    expect(budget.costUsd).toBeCloseTo(priced, 12);
  });

  it("uses configured prices over the defaults, and counts a response without usage as a call with no tokens", async () => {
    const { client } = await setup((_request, n) => (n === 1 ? { json: GOOD } : { json: GOOD, omitUsage: true }), {
      mainModel: "gpt-4.1-mini",
      prices: { "gpt-4.1-mini": { input: 1_000_000, output: 0 } },
    });
    await ask(client);
    const afterOne = client.usage();
    await ask(client, { user: "Second?" });
    const usage = client.usage();
    expect(usage.costUsd).toBe(afterOne.promptTokens);
    expect(usage).toMatchObject({ calls: 2, promptTokens: afterOne.promptTokens, completionTokens: afterOne.completionTokens });
  });
});

describe("the LLM cache", () => {
  function cachedClient(baseUrl: string, dir: string, mode: CacheMode, budget = new Budget({})) {
    return createLlmClient({
      main: { baseUrl, model: "fake-model" },
      fast: { baseUrl, model: "fake-model" },
      apiKey: API_KEY,
      budget,
      logger: capturedLogger().logger,
      concurrency: 2,
      prices: {},
      cache: { dir, mode },
    });
  }

  it("answers a repeated call from disk without a request or a budget call, and stores no key", async () => {
    const { llm } = await setup(() => ({ json: GOOD }));
    const dir = makeTempDir();
    expect(await ask(cachedClient(llm.baseUrl, dir, "default"))).toEqual({ ok: true, value: GOOD, fromCache: false });

    const budget = new Budget({ maxLlmCalls: 1 });
    const second = cachedClient(llm.baseUrl, dir, "default", budget);
    expect(await ask(second)).toEqual({ ok: true, value: GOOD, fromCache: true });
    expect(llm.completions()).toHaveLength(1);
    expect(budget.calls).toBe(0);
    expect(second.usage()).toMatchObject({ calls: 0, promptTokens: 0, cachedCalls: 1 });

    expect(await ask(second, { user: "A different question?" })).toMatchObject({ ok: true, fromCache: false });
    expect(llm.completions()).toHaveLength(2);

    const files = readdirSync(join(dir, "llm"), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    expect(files).toHaveLength(2);
    for (const file of files) expect(readFileSync(join(file.parentPath, file.name), "utf8")).not.toContain(API_KEY);
  });

  it("stores what the model wrote, so a schema that transforms its input is answered from the cache too", async () => {
    const { llm } = await setup(() => ({ json: { claim: "four" } }));
    const dir = makeTempDir();
    const Measured = z.object({ claim: z.string().transform((claim) => claim.length) });
    const measure = (client: LlmClient) =>
      client.complete({ step: "measure", role: "main", system: "Measure.", user: "How long?", schema: Measured, schemaName: "measured" });
    expect(await measure(cachedClient(llm.baseUrl, dir, "default"))).toEqual({ ok: true, value: { claim: 4 }, fromCache: false });
    expect(await measure(cachedClient(llm.baseUrl, dir, "offline"))).toEqual({ ok: true, value: { claim: 4 }, fromCache: true });
  });

  it("offline, answers from the cache and fails without a request on a miss", async () => {
    const { llm } = await setup(() => ({ json: GOOD }));
    const dir = makeTempDir();
    await ask(cachedClient(llm.baseUrl, dir, "default"));
    const offline = cachedClient(llm.baseUrl, dir, "offline");
    expect(await ask(offline)).toMatchObject({ ok: true, fromCache: true });
    expect(await ask(offline, { user: "Never asked before?" })).toEqual({
      ok: false,
      reason: "failed",
      message: "offline: no cached answer for this LLM call",
    });
    expect(llm.completions()).toHaveLength(1);
  });

  it("with no-cache, neither reads nor writes", async () => {
    const { llm } = await setup(() => ({ json: GOOD }));
    const dir = makeTempDir();
    await ask(cachedClient(llm.baseUrl, dir, "no-cache"));
    await ask(cachedClient(llm.baseUrl, dir, "no-cache"));
    expect(llm.completions()).toHaveLength(2);
    expect(readdirSync(dir)).toEqual([]);
  });
});
