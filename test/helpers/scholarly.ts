// One replay server per scholarly API, and the environment that points the built CLI at them all
// with its own cache directory. APIs a test gives no routes still get a server (answering 404), so
// nothing can fall through to a real host.
import { onTestFinished } from "vitest";
import type { SourceEndpoints } from "../../src/sources/context.js";
import { startReplayServer, type ReplayRoute, type ReplayServer } from "./replay-server.js";
import { makeTempDir } from "./temp.js";

/** The base path each API is served under, as on the real hosts. */
export const API_PATHS: Record<keyof SourceEndpoints, string> = {
  europepmc: "/europepmc/webservices/rest",
  ncbi: "/entrez/eutils",
  openalex: "",
  arxiv: "/api",
  arxivPdf: "/pdf",
  unpaywall: "/v2",
};

const ENV_NAMES: Record<keyof SourceEndpoints, string> = {
  europepmc: "LITREVIEW_EUROPEPMC_URL",
  ncbi: "LITREVIEW_NCBI_URL",
  openalex: "LITREVIEW_OPENALEX_URL",
  arxiv: "LITREVIEW_ARXIV_URL",
  arxivPdf: "LITREVIEW_ARXIV_PDF_URL",
  unpaywall: "LITREVIEW_UNPAYWALL_URL",
};

export type ScholarlyServers = Record<keyof SourceEndpoints, ReplayServer> & { env: NodeJS.ProcessEnv };

/** Routes are given relative to each API's base path. */
export async function startScholarlyServers(routes: Partial<Record<keyof SourceEndpoints, ReplayRoute[]>> = {}): Promise<ScholarlyServers> {
  const names = Object.keys(API_PATHS) as (keyof SourceEndpoints)[];
  const servers = {} as Record<keyof SourceEndpoints, ReplayServer>;
  const env: NodeJS.ProcessEnv = { LITREVIEW_CACHE_DIR: makeTempDir("litreview-cache-") };
  for (const name of names) {
    const server = await startReplayServer((routes[name] ?? []).map((route) => ({ ...route, path: `${API_PATHS[name]}${route.path}` })));
    onTestFinished(() => server.close());
    servers[name] = server;
    env[ENV_NAMES[name]] = server.url(API_PATHS[name]);
  }
  return { ...servers, env };
}
