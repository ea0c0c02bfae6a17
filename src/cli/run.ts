// What `ask` and `batch` build before reviewing questions, from the resolved configuration: the
// logger and live display, the language model (resolved once, shared by every question), and the
// process's one source context (one HTTP client: one rate limiter per host, one cache).
import type { Writable } from "node:stream";
import type { ReviewModel } from "../agent/review-question.js";
import { httpCacheDir, type Config } from "../config.js";
import { toolVersion, type RunContext } from "../context.js";
import type { Progress } from "../progress.js";
import { UsageError } from "../errors.js";
import { Budget } from "../llm/budget.js";
import { createLlmPool, type LlmPool } from "../llm/client.js";
import { resolveLlm } from "../llm/resolve.js";
import { createLogger, type Logger } from "../log.js";
import { renderMarkdown } from "../review/markdown.js";
import type { Review } from "../review/schema.js";
import type { SourceContext } from "../sources/context.js";
import { cacheModeOf, createSourceContext } from "./http.js";
import type { CliIo } from "./io.js";

/** A display drawn live on stderr's terminal; log lines go through `logStream`, which writes above it. */
export interface LiveDisplay {
  logStream: Writable;
  stop(): void;
}

export interface RunPieces<D extends LiveDisplay> {
  logger: Logger;
  /** The live display, or undefined when stderr is not a terminal or logging is off. */
  live: D | undefined;
  /** The scholarly APIs over the process's one HTTP client, carrying the run's abort signal. */
  sources: SourceContext;
  /** The language model every question uses, or undefined: extractive reviews. */
  llm: LlmPool | undefined;
  /** Stop the live display and close the HTTP client. */
  close(): Promise<void>;
}

export async function startRun<D extends LiveDisplay>(
  config: Config,
  io: CliIo,
  options: {
    liveDisplay: (stream: NodeJS.WritableStream) => D;
    signal: AbortSignal;
    /** Why the command cannot run without a language model: then finding none is this usage error, not a notice. */
    modelRequired?: string;
  },
): Promise<RunPieces<D>> {
  const onTerminal = (io.stderr as NodeJS.WriteStream).isTTY === true && config.logLevel !== "silent";
  const live = onTerminal ? options.liveDisplay(io.stderr) : undefined;
  const logger = createLogger(config.logLevel, live?.logStream ?? io.stderr);
  let llm: LlmPool | undefined;
  try {
    llm = await llmPool(config, io, logger, options.modelRequired);
  } catch (error) {
    live?.stop();
    throw error;
  }
  const sources: SourceContext = { ...createSourceContext(config, io, logger), signal: options.signal };
  return {
    logger,
    live,
    sources,
    llm,
    async close() {
      live?.stop();
      await sources.http.close();
    },
  };
}

/**
 * The context one question is reviewed in: the run's sources (logging through `logger`, stopping on
 * the run's signal) and the question's own configuration and progress display.
 */
export function questionContext(run: RunPieces<LiveDisplay>, config: Config, logger: Logger, progress: Progress): RunContext {
  const { signal } = run.sources;
  return {
    config,
    logger,
    sources: { ...run.sources, logger },
    progress,
    version: toolVersion(),
    now: () => new Date(),
    ...(signal ? { signal } : {}),
  };
}

/** One question's language model: a view of the shared pool, spending from a budget of its own. */
export function reviewModel(pool: LlmPool | undefined, config: Config): ReviewModel | undefined {
  if (!pool) return undefined;
  const budget = new Budget({
    ...(config.maxCost !== undefined ? { maxCostUsd: config.maxCost } : {}),
    ...(config.maxLlmCalls !== undefined ? { maxLlmCalls: config.maxLlmCalls } : {}),
    ...(config.maxPapers !== undefined ? { maxPapers: config.maxPapers } : {}),
    ...(config.timeLimit !== undefined ? { timeLimitMs: config.timeLimit * 1000 } : {}),
  });
  return { llm: pool.client(budget), budget };
}

export function renderReview(review: Review, format: Config["format"]): string {
  return format === "json" ? `${JSON.stringify(review, null, 2)}\n` : renderMarkdown(review);
}

/** The language model of the run, or none (extractive reviews), with a one-line notice either way. */
async function llmPool(config: Config, io: CliIo, logger: Logger, modelRequired: string | undefined): Promise<LlmPool | undefined> {
  const resolution = await resolveLlm(config, io.env, logger);
  if (resolution.kind === "none" && modelRequired !== undefined) throw new UsageError(modelRequired);
  if (resolution.notice) logger.info(resolution.notice);
  if (resolution.kind === "none") return undefined;
  return createLlmPool({
    main: resolution.main,
    fast: resolution.fast,
    ...(resolution.apiKey ? { apiKey: resolution.apiKey } : {}),
    logger,
    concurrency: config.llmConcurrency,
    prices: config.llmPrices,
    cache: { dir: httpCacheDir(config, io.env), mode: cacheModeOf(config) },
  });
}
