// The one object passed down a run. Later stages add the LLM client, budget and run directory
// here; nothing in the pipeline reaches for globals.
import { readFileSync } from "node:fs";
import type { Config } from "./config.js";
import type { Logger } from "./log.js";
import type { Progress } from "./progress.js";
import type { SourceContext } from "./sources/context.js";

export interface RunContext {
  config: Config;
  logger: Logger;
  /** The scholarly APIs, over the process's one HTTP client. */
  sources: SourceContext;
  /** Where the run's steps are reported (a live status line, or log lines). */
  progress: Progress;
  version: string;
  /** Injected so tests can pin the date that appears in a review. */
  now: () => Date;
  /** Aborted when the user interrupts (SIGINT/SIGTERM): the run stops between stages and cancels its requests. */
  signal?: AbortSignal;
}

/** The package version, read from package.json next to dist/. */
export function toolVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version?: unknown;
  };
  return typeof packageJson.version === "string" ? packageJson.version : "0.0.0";
}
