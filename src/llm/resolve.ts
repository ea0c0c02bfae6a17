// Which language model a run uses (docs/DESIGN.md, "LLM resolution"): an explicit --base-url /
// --model or OPENAI_API_KEY wins; else a local OpenAI-compatible server on the conventional Ollama
// port if it answers; else none, and the run writes an extractive review with a one-line notice.
import { z } from "zod";
import type { Config } from "../config.js";
import { errorMessage, UsageError } from "../errors.js";
import type { Logger } from "../log.js";
import type { ModelEndpoint } from "./types.js";

export type LlmResolution =
  | { kind: "llm"; main: ModelEndpoint; fast: ModelEndpoint; apiKey?: string; notice: string }
  | { kind: "none"; notice?: string };

export type LlmSettings = Pick<Config, "llm" | "baseUrl" | "model" | "fastModel" | "ollamaUrl">;

export const OPENAI_BASE_URL = "https://api.openai.com/v1";
export const OPENAI_DEFAULT_MODEL = "gpt-4.1-mini";
/** A local server answers at once; anything slower is not there. */
const LOCAL_PROBE_TIMEOUT_MS = 1500;
const MODEL_LIST_TIMEOUT_MS = 10_000;
/** Model ids that name embedding models, which cannot chat. */
const EMBEDDING_MODEL = /embed|bge|minilm/i;

const ModelListSchema = z.object({ data: z.array(z.object({ id: z.string().min(1) }).loose()) }).loose();

export async function resolveLlm(config: LlmSettings, env: NodeJS.ProcessEnv, logger: Logger): Promise<LlmResolution> {
  if (config.llm === false) return { kind: "none" };
  const apiKey = env.OPENAI_API_KEY?.trim() || undefined;

  if (config.baseUrl !== undefined || config.model !== undefined || apiKey !== undefined) {
    const baseUrl = withoutTrailingSlash(config.baseUrl ?? OPENAI_BASE_URL);
    const isOpenAi = new URL(baseUrl).hostname === new URL(OPENAI_BASE_URL).hostname;
    if (isOpenAi && apiKey === undefined) {
      throw new UsageError(`the OpenAI API at ${baseUrl} needs a key: set OPENAI_API_KEY, or choose another server with --base-url`);
    }
    const model = config.model ?? (isOpenAi ? OPENAI_DEFAULT_MODEL : await firstChatModel(baseUrl, apiKey));
    return used({ baseUrl, model }, config.fastModel, apiKey);
  }

  const ollamaUrl = withoutTrailingSlash(config.ollamaUrl);
  const listed = await listModels(ollamaUrl, undefined, LOCAL_PROBE_TIMEOUT_MS).catch((error: unknown) => {
    logger.debug({ url: ollamaUrl, error: failureReason(error) }, "llm: no local model server");
    return [];
  });
  const model = preferChatModel(listed);
  if (model !== undefined) return used({ baseUrl: ollamaUrl, model }, config.fastModel, undefined);
  return {
    kind: "none",
    notice:
      `no language model found (set OPENAI_API_KEY, or --base-url and --model, or run a local OpenAI-compatible ` +
      `server such as Ollama at ${ollamaUrl}): writing an extractive review (--no-llm silences this)`,
  };
}

function used(main: ModelEndpoint, fastModel: string | undefined, apiKey: string | undefined): LlmResolution {
  const fast = { baseUrl: main.baseUrl, model: fastModel ?? main.model };
  const notice = `using ${main.model}${fast.model === main.model ? "" : ` (fast: ${fast.model})`} at ${main.baseUrl}`;
  return { kind: "llm", main, fast, ...(apiKey === undefined ? {} : { apiKey }), notice };
}

/** The model to use on an explicitly chosen server that was not told which: the first it lists. */
async function firstChatModel(baseUrl: string, apiKey: string | undefined): Promise<string> {
  let listed: string[];
  try {
    listed = await listModels(baseUrl, apiKey, MODEL_LIST_TIMEOUT_MS);
  } catch (error) {
    throw new UsageError(`could not ask the server at ${baseUrl} for its models (${failureReason(error)}); choose one with --model`);
  }
  const model = preferChatModel(listed);
  if (model === undefined) throw new UsageError(`the server at ${baseUrl} lists no models; choose one with --model`);
  return model;
}

/** The first listed model that is not an embedding model, else the first listed. */
function preferChatModel(ids: string[]): string | undefined {
  return ids.find((id) => !EMBEDDING_MODEL.test(id)) ?? ids[0];
}

/** GET {baseUrl}/models: the ids listed, in order. Throws when the server cannot be reached or answers otherwise. */
async function listModels(baseUrl: string, apiKey: string | undefined, timeoutMs: number): Promise<string[]> {
  const response = await fetch(`${baseUrl}/models`, {
    headers: { accept: "application/json", ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }) },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new Error("the model list is not JSON");
  }
  const list = ModelListSchema.safeParse(body);
  if (!list.success) throw new Error("the model list is not an OpenAI-style list");
  return list.data.data.map((model) => model.id);
}

function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** Why a request failed, in a few words: fetch says only "fetch failed" and keeps the reason in `cause`. */
function failureReason(error: unknown): string {
  return error instanceof Error && error.cause instanceof Error ? error.cause.message : errorMessage(error);
}
