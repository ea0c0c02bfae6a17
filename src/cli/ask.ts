// `litreview ask "question"`: one question in, one review out.
import type { Command } from "commander";
import { reviewQuestion, type ReviewModel } from "../agent/review-question.js";
import { httpCacheDir, type Config } from "../config.js";
import { toolVersion, type RunContext } from "../context.js";
import { EXIT_OK } from "../errors.js";
import { Budget } from "../llm/budget.js";
import { createLlmClient } from "../llm/client.js";
import { resolveLlm } from "../llm/resolve.js";
import { createLogger, type Logger } from "../log.js";
import { logProgress } from "../progress.js";
import { renderMarkdown } from "../review/markdown.js";
import { ReviewSchema } from "../review/schema.js";
import { cacheModeOf, createSourceContext } from "./http.js";
import { readQuestion, writeResult, type CliIo } from "./io.js";
import { terminalProgress } from "./progress.js";
import { addLoggingOptions, addNetworkOptions, addOutputOptions, addPipelineOptions, configFromCommand } from "./options.js";

export function registerAskCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const ask = program
    .command("ask")
    .description("review the literature on one question and print a cited review")
    .argument("<question>", 'the question, in quotes; "-" reads it from stdin');
  addPipelineOptions(ask);
  addOutputOptions(ask);
  ask
    .option("--findings <n>", "quoted key findings in an extractive review (default 8)")
    .option("--max-question-length <n>", "refuse longer questions (default 4000 characters)");
  addNetworkOptions(ask);
  addLoggingOptions(ask);
  ask.action(async (questionArgument: string, _options: unknown, command: Command) => {
    const config = configFromCommand(command, io);
    // On a terminal the steps show as one live status line, and log lines are written above it.
    const live = (io.stderr as NodeJS.WriteStream).isTTY === true && config.logLevel !== "silent" ? terminalProgress(io.stderr) : undefined;
    const logger = createLogger(config.logLevel, live?.logStream ?? io.stderr);
    const progress = live ?? logProgress(logger);
    const question = await readQuestion(questionArgument, io.stdin, config.maxQuestionLength);
    const model = await reviewModel(config, io, logger);
    const sources = createSourceContext(config, io, logger);
    const context: RunContext = { config, logger, sources, progress, version: toolVersion(), now: () => new Date() };
    let review;
    try {
      review = ReviewSchema.parse(await reviewQuestion(question, context, model));
    } finally {
      progress.stop();
      await sources.http.close();
    }
    const output = config.format === "json" ? `${JSON.stringify(review, null, 2)}\n` : renderMarkdown(review);
    await writeResult(output, config.out, io.stdout);
    if (config.out) logger.info(`review written to ${config.out}`);
    setExitCode(EXIT_OK);
  });
}

/** The language model and budget of the run, or none (extractive review), with a one-line notice either way. */
async function reviewModel(config: Config, io: CliIo, logger: Logger): Promise<ReviewModel | undefined> {
  const resolution = await resolveLlm(config, io.env, logger);
  if (resolution.notice) logger.info(resolution.notice);
  if (resolution.kind === "none") return undefined;
  const budget = new Budget({
    ...(config.maxCost !== undefined ? { maxCostUsd: config.maxCost } : {}),
    ...(config.maxLlmCalls !== undefined ? { maxLlmCalls: config.maxLlmCalls } : {}),
    ...(config.maxPapers !== undefined ? { maxPapers: config.maxPapers } : {}),
    ...(config.timeLimit !== undefined ? { timeLimitMs: config.timeLimit * 1000 } : {}),
  });
  const llm = createLlmClient({
    main: resolution.main,
    fast: resolution.fast,
    ...(resolution.apiKey ? { apiKey: resolution.apiKey } : {}),
    budget,
    logger,
    concurrency: config.llmConcurrency,
    prices: config.llmPrices,
    cache: { dir: httpCacheDir(config, io.env), mode: cacheModeOf(config) },
  });
  return { llm, budget };
}
