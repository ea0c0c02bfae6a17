// `litreview ask "question"`: one question in, one review out.
import type { Command } from "commander";
import { reviewQuestion } from "../agent/review-question.js";
import { toolVersion, type RunContext } from "../context.js";
import { EXIT_OK } from "../errors.js";
import { createLogger } from "../log.js";
import { renderMarkdown } from "../review/markdown.js";
import { ReviewSchema } from "../review/schema.js";
import { createSourceContext } from "./http.js";
import { readQuestion, writeResult, type CliIo } from "./io.js";
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
    const logger = createLogger(config.logLevel, io.stderr);
    const question = await readQuestion(questionArgument, io.stdin, config.maxQuestionLength);
    const sources = createSourceContext(config, io, logger);
    const context: RunContext = { config, logger, sources, version: toolVersion(), now: () => new Date() };
    let review;
    try {
      review = ReviewSchema.parse(await reviewQuestion(question, context));
    } finally {
      await sources.http.close();
    }
    const output = config.format === "json" ? `${JSON.stringify(review, null, 2)}\n` : renderMarkdown(review);
    await writeResult(output, config.out, io.stdout);
    if (config.out) logger.info(`review written to ${config.out}`);
    setExitCode(EXIT_OK);
  });
}
