import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { UsageError } from "../src/errors.js";
import { type LlmSettings, resolveLlm } from "../src/llm/resolve.js";
import { startFakeLlm } from "./helpers/fake-llm.js";
import { capturedLogger } from "./helpers/sources.js";

/** Port 9 is refused by fetch before any connection is tried: nothing local answers there. */
const NO_LOCAL_SERVER = "http://127.0.0.1:9/v1";
const defaults: LlmSettings = { llm: true, baseUrl: undefined, model: undefined, fastModel: undefined, ollamaUrl: NO_LOCAL_SERVER };

async function fakeServer(models: string[]) {
  const llm = await startFakeLlm({ reply: () => ({ status: 500 }), models });
  onTestFinished(() => llm.close());
  return llm;
}

describe("resolveLlm", () => {
  it("uses nothing and says nothing with --no-llm, even with a key", async () => {
    const llm = await fakeServer(["llama3.2"]);
    const resolution = await resolveLlm({ ...defaults, llm: false, ollamaUrl: llm.baseUrl }, { OPENAI_API_KEY: "sk-x" }, capturedLogger().logger);
    expect(resolution).toEqual({ kind: "none" });
    expect(llm.requests).toEqual([]);
  });

  it("uses OpenAI and gpt-4.1-mini when only OPENAI_API_KEY is set, without asking any server", async () => {
    const local = await fakeServer(["llama3.2"]);
    const resolution = await resolveLlm({ ...defaults, ollamaUrl: local.baseUrl }, { OPENAI_API_KEY: " sk-test \n" }, capturedLogger().logger);
    expect(resolution).toEqual({
      kind: "llm",
      main: { baseUrl: "https://api.openai.com/v1", model: "gpt-4.1-mini" },
      fast: { baseUrl: "https://api.openai.com/v1", model: "gpt-4.1-mini" },
      apiKey: "sk-test",
      notice: "using gpt-4.1-mini at https://api.openai.com/v1",
    });
    expect(local.requests).toEqual([]);
  });

  it("uses an explicit server and model as given, with the fast model named in the notice", async () => {
    const resolution = await resolveLlm(
      { ...defaults, baseUrl: "http://127.0.0.1:8000/v1/", model: "qwen3-32b", fastModel: "qwen3-4b" },
      {},
      capturedLogger().logger,
    );
    expect(resolution).toEqual({
      kind: "llm",
      main: { baseUrl: "http://127.0.0.1:8000/v1", model: "qwen3-32b" },
      fast: { baseUrl: "http://127.0.0.1:8000/v1", model: "qwen3-4b" },
      notice: "using qwen3-32b (fast: qwen3-4b) at http://127.0.0.1:8000/v1",
    });
  });

  it("asks an explicit server without a model for its first listed model, sending the key", async () => {
    const llm = await fakeServer(["mistral-small", "llama3.2"]);
    const resolution = await resolveLlm({ ...defaults, baseUrl: llm.baseUrl }, { OPENAI_API_KEY: "sk-local" }, capturedLogger().logger);
    expect(resolution).toMatchObject({ kind: "llm", main: { baseUrl: llm.baseUrl, model: "mistral-small" }, apiKey: "sk-local" });
    expect(llm.requests.map((request) => `${request.method} ${request.path}`)).toEqual(["GET /v1/models"]);
    expect(llm.requests[0]!.headers.authorization).toBe("Bearer sk-local");
  });

  it("is a usage error when the explicit server lists no models", async () => {
    const llm = await fakeServer([]);
    const resolving = resolveLlm({ ...defaults, baseUrl: llm.baseUrl }, {}, capturedLogger().logger);
    await expect(resolving).rejects.toThrow(UsageError);
    await expect(resolving).rejects.toThrow(`the server at ${llm.baseUrl} lists no models; choose one with --model`);
  });

  it("is a usage error to name an OpenAI model without a key", async () => {
    await expect(resolveLlm({ ...defaults, model: "gpt-4.1" }, {}, capturedLogger().logger)).rejects.toThrow(
      "the OpenAI API at https://api.openai.com/v1 needs a key: set OPENAI_API_KEY, or choose another server with --base-url",
    );
  });

  it("finds a local server on the Ollama URL and prefers a chat model over an embedding model", async () => {
    const llm = await fakeServer(["nomic-embed-text:latest", "llama3.2:3b", "qwen3:8b"]);
    const resolution = await resolveLlm({ ...defaults, ollamaUrl: llm.baseUrl, fastModel: "qwen3:8b" }, {}, capturedLogger().logger);
    expect(resolution).toEqual({
      kind: "llm",
      main: { baseUrl: llm.baseUrl, model: "llama3.2:3b" },
      fast: { baseUrl: llm.baseUrl, model: "qwen3:8b" },
      notice: `using llama3.2:3b (fast: qwen3:8b) at ${llm.baseUrl}`,
    });
    expect(llm.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("falls back to no model, with a notice, when nothing answers locally or the local server has no models", async () => {
    const empty = await fakeServer([]);
    for (const ollamaUrl of [NO_LOCAL_SERVER, empty.baseUrl]) {
      const resolution = await resolveLlm({ ...defaults, ollamaUrl }, {}, capturedLogger().logger);
      expect(resolution).toEqual({
        kind: "none",
        notice:
          "no language model found (set OPENAI_API_KEY, or --base-url and --model, or run a local OpenAI-compatible server " +
          `such as Ollama at ${ollamaUrl}): writing an extractive review (--no-llm silences this)`,
      });
    }
  });

  it("gives up on a local server that does not answer within the probe timeout", async () => {
    // Accepts the connection and never answers GET /models.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => {
      silent.closeAllConnections();
      silent.close();
    });
    const { port } = silent.address() as AddressInfo;
    const started = performance.now();
    const resolution = await resolveLlm({ ...defaults, ollamaUrl: `http://127.0.0.1:${port}/v1` }, {}, capturedLogger().logger);
    expect(resolution.kind).toBe("none");
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
