// A SourceContext on local replay servers, for source-level tests: fast retries, no pacing, no cache
// unless asked, and a logger whose output the test can read.
import { Writable } from "node:stream";
import { onTestFinished } from "vitest";
import { createHttpClient, type HttpClientOptions } from "../../src/http/client.js";
import { createLogger } from "../../src/log.js";
import { sourceHttpPolicy, type SourceContext, type SourceEndpoints, type SourceKeys } from "../../src/sources/context.js";
import { startReplayServer, type ReplayRoute } from "./replay-server.js";

const UNREACHABLE = "http://127.0.0.1:9";

/** Everything written to a logger, as the user would see it. */
export function capturedLogger() {
  let output = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  return { logger: createLogger("debug", stream), output: () => output };
}

/** Keys are added by the HTTP client for their configured host, as in production (sourceHttpPolicy). */
export function testSourceContext(
  endpoints: Partial<SourceEndpoints>,
  options: { email?: string; keys?: SourceKeys; http?: Partial<HttpClientOptions> } = {},
) {
  const log = capturedLogger();
  // Endpoints a test does not name point at a closed local port, so a stray request fails fast and locally.
  const allEndpoints: SourceEndpoints = {
    europepmc: UNREACHABLE,
    ncbi: UNREACHABLE,
    openalex: UNREACHABLE,
    arxiv: UNREACHABLE,
    arxivPdf: UNREACHABLE,
    unpaywall: UNREACHABLE,
    ...endpoints,
  };
  const keys = options.keys ?? {};
  const hosts = Object.values(endpoints).map((url) => new URL(url).host);
  const http = createHttpClient({
    version: "0.0.0-test",
    logger: log.logger,
    hostLimits: Object.fromEntries(hosts.map((host) => [host, { minIntervalMs: 0, maxConcurrent: 8 }])),
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    apiKeys: sourceHttpPolicy(allEndpoints, keys).apiKeys,
    ...options.http,
  });
  onTestFinished(() => http.close());
  const context: SourceContext = { http, logger: log.logger, endpoints: allEndpoints, ...(options.email ? { email: options.email } : {}), keys };
  return { context, log };
}

/** A replay server for one API (closed when the test ends) and a source context whose `api` endpoint is `basePath` on it. */
export async function replaySourceContext(
  api: keyof SourceEndpoints,
  basePath: string,
  routes: ReplayRoute[],
  options: Parameters<typeof testSourceContext>[1] = {},
) {
  const server = await startReplayServer(routes);
  onTestFinished(() => server.close());
  return { server, ...testSourceContext({ [api]: server.url(basePath) }, options) };
}
