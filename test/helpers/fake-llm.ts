// A local OpenAI-compatible server for tests, speaking the real wire format of
// `POST /v1/chat/completions` and `GET /v1/models`, with errors in OpenAI's shape
// (`{error: {message, type, code, param}}`). Each test scripts the replies:
//
//   const llm = await startFakeLlm({
//     reply: bySchema({ plan: () => ({ json: { queries: ["crispr"] } }) }),
//   });
//   // … createLlmClient({ main: { baseUrl: llm.baseUrl, model: "fake-model" }, … })
//   llm.completions()[0]?.body.response_format   // what the client sent
//
// Which schema a request asks for: `response_format.json_schema.name` in json_schema mode; in
// json_object and prompt modes, the client (src/llm/client.ts) writes the schema into the system
// message after a line of its own, `schema: <name>`, and bySchema reads that line.
//
// Token counts are derived from text lengths (ceil(characters / 4)), so usage is deterministic.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** What the server answers to one chat completion request; any reply may be delayed by `delayMs`. */
export type FakeReply = { delayMs?: number } & (
  /** 200; the content is JSON.stringify(json). `omitUsage` leaves out the usage object, as some servers do. */
  | { json: unknown; finishReason?: string; omitUsage?: boolean }
  /** 200 with this exact content (prose, fences, think blocks, broken JSON…). */
  | { content: string; finishReason?: string; omitUsage?: boolean }
  /** 200 with `message.refusal` set and no content. */
  | { refusal: string }
  /** An error in OpenAI's shape. `retryAfter` becomes the Retry-After header (seconds or an HTTP date). */
  | { status: number; message?: string; param?: string; code?: string; retryAfter?: number | string }
  /** 200 whose body is cut off mid-JSON. */
  | { malformed: true }
);

export interface FakeChatMessage {
  role: string;
  content: string;
}

/** The request body as the client sent it (parsed JSON; the fields the tests look at). */
export interface FakeChatBody {
  model: string;
  messages: FakeChatMessage[];
  response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: Record<string, unknown> } };
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  [field: string]: unknown;
}

export interface FakeRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body; undefined for GET. */
  body: FakeChatBody | undefined;
  /** performance.now() at arrival: compare arrivals, not wall-clock times. */
  receivedAt: number;
}

export interface FakeChatRequest extends FakeRequest {
  body: FakeChatBody;
}

export interface FakeLlmOptions {
  /** The reply to the n-th chat completion request (n counts from 1, across the whole server). */
  reply: (request: FakeChatRequest, n: number) => FakeReply | Promise<FakeReply>;
  /** What GET /v1/models lists; default ["fake-model"]. */
  models?: string[];
}

export interface FakeLlm {
  /** `http://127.0.0.1:<port>/v1`, the base URL a client is given. */
  baseUrl: string;
  /** Every request received, in order of arrival. */
  requests: FakeRequest[];
  /** The chat completion requests only. */
  completions(): FakeChatRequest[];
  /** The most chat completion requests that were being answered at the same moment. */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

const CREATED = 1_700_000_000;

export async function startFakeLlm(options: FakeLlmOptions): Promise<FakeLlm> {
  const requests: FakeRequest[] = [];
  const sockets = new Set<Socket>();
  let completionCount = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const models = options.models ?? ["fake-model"];

  const server = createServer((request, response) => {
    const receivedAt = performance.now();
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = new URL(request.url ?? "/", "http://fake.invalid").pathname;
      const text = Buffer.concat(chunks).toString("utf8");
      const recorded: FakeRequest = {
        method: request.method ?? "GET",
        path,
        headers: request.headers,
        body: text ? (JSON.parse(text) as FakeChatBody) : undefined,
        receivedAt,
      };
      requests.push(recorded);
      const sendJson = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        if (!response.destroyed) response.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
      };

      if (recorded.method === "GET" && path === "/v1/models") {
        sendJson(200, { object: "list", data: models.map((id) => ({ id, object: "model", created: CREATED, owned_by: "fake" })) });
        return;
      }
      if (recorded.method !== "POST" || path !== "/v1/chat/completions" || recorded.body === undefined) {
        sendJson(404, openAiError(404, `no route for ${recorded.method} ${path}`));
        return;
      }

      const chat = recorded as FakeChatRequest;
      completionCount += 1;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      let done = false;
      const finish = () => {
        if (!done) inFlight -= 1;
        done = true;
      };
      response.on("close", finish);
      void answer(chat, completionCount)
        .then(async (reply) => {
          if (reply.delayMs) await delay(reply.delayMs, response);
          if (response.destroyed) return;
          if ("malformed" in reply) {
            response.writeHead(200, { "content-type": "application/json" }).end('{"id":"chatcmpl-fake","object":"chat.comple');
          } else if ("status" in reply) {
            const retryAfter: Record<string, string> = reply.retryAfter === undefined ? {} : { "retry-after": String(reply.retryAfter) };
            sendJson(reply.status, openAiError(reply.status, reply.message, reply.param, reply.code), retryAfter);
          } else {
            sendJson(200, completion(chat.body, reply));
          }
        })
        .finally(finish);
    });
  });

  const answer = async (request: FakeChatRequest, n: number): Promise<FakeReply> => {
    try {
      return await options.reply(request, n);
    } catch (error) {
      // A script error shows up in the test as a failed call naming it.
      return { status: 500, message: `fake LLM script error: ${(error as Error).message}` };
    }
  };

  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    completions: () => requests.filter((request): request is FakeChatRequest => request.path === "/v1/chat/completions"),
    get maxInFlight() {
      return maxInFlight;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Which schema the request asks for (see the contract at the top of this file). */
export function schemaNameOf(request: FakeChatRequest): string | undefined {
  const fromFormat = request.body.response_format?.json_schema?.name;
  if (fromFormat) return fromFormat;
  const system = request.body.messages.find((message) => message.role === "system")?.content ?? "";
  return [...system.matchAll(/^schema: (\w+)$/gm)].at(-1)?.[1];
}

/** A reply script that answers each schema with its own handler; an unknown schema is a 500 naming it. */
export function bySchema(handlers: Record<string, (request: FakeChatRequest) => FakeReply>): FakeLlmOptions["reply"] {
  return (request) => {
    const name = schemaNameOf(request);
    const handler = name === undefined ? undefined : handlers[name];
    if (!handler) return { status: 500, message: `fake LLM: no handler for schema ${name ?? "(none)"}` };
    return handler(request);
  };
}

/** Deterministic token counts: one token per four characters. */
export function fakeTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function completion(body: FakeChatBody, reply: Extract<FakeReply, { json: unknown } | { content: string } | { refusal: string }>) {
  const content = "refusal" in reply ? null : "json" in reply ? JSON.stringify(reply.json) : reply.content;
  const finishReason = "refusal" in reply ? "stop" : (reply.finishReason ?? "stop");
  const promptTokens = fakeTokens(body.messages.map((message) => message.content).join(""));
  const completionTokens = fakeTokens(content ?? ("refusal" in reply ? reply.refusal : ""));
  return {
    id: `chatcmpl-fake-${Math.random().toString(36).slice(2)}`,
    object: "chat.completion",
    created: CREATED,
    model: body.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: "refusal" in reply ? reply.refusal : null },
        finish_reason: finishReason,
      },
    ],
    ...("omitUsage" in reply && reply.omitUsage
      ? {}
      : { usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } }),
  };
}

const ERROR_TYPES: Record<number, { type: string; code: string | null }> = {
  400: { type: "invalid_request_error", code: null },
  401: { type: "invalid_request_error", code: "invalid_api_key" },
  403: { type: "invalid_request_error", code: null },
  404: { type: "invalid_request_error", code: "model_not_found" },
  422: { type: "invalid_request_error", code: null },
  429: { type: "rate_limit_error", code: "rate_limit_exceeded" },
};

function openAiError(status: number, message?: string, param?: string, code?: string) {
  const known = ERROR_TYPES[status] ?? { type: "server_error", code: null };
  return {
    error: {
      message: message ?? `fake LLM error ${status}`,
      type: known.type,
      code: code ?? known.code,
      param: param ?? null,
    },
  };
}

/** Wait, or stop waiting when the client goes away. */
function delay(ms: number, response: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    response.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
