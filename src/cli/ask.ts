// `litreview ask "question"`: one question in, one review out.
import type { Command } from "commander";
import { reviewQuestion } from "../agent/review-question.js";
import { toolVersion, type RunContext } from "../context.js";
import { EXIT_FAILURE, EXIT_OK } from "../errors.js";
import { logProgress } from "../progress.js";
import { ReviewSchema, type Review } from "../review/schema.js";
import { readQuestion, writeResult, type CliIo } from "./io.js";
import { addLoggingOptions, addNetworkOptions, addOutputOptions, addPipelineOptions, configFromCommand } from "./options.js";
import { terminalProgress } from "./progress.js";
import { renderReview, reviewModel, startRun } from "./run.js";
import { listenForInterrupt } from "./signals.js";

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
    const question = await readQuestion(questionArgument, io.stdin, config.maxQuestionLength);
    const interruption = listenForInterrupt();
    let review: Review | undefined;
    try {
      // On a terminal the steps show as one live status line, and log lines are written above it.
      const run = await startRun(config, io, { liveDisplay: terminalProgress, signal: interruption.signal });
      const context: RunContext = {
        config,
        logger: run.logger,
        sources: run.sources,
        progress: run.live ?? logProgress(run.logger),
        version: toolVersion(),
        now: () => new Date(),
        signal: interruption.signal,
      };
      try {
        review = ReviewSchema.parse(await reviewQuestion(question, context, reviewModel(run.llm, config)));
      } catch (error) {
        if (!interruption.signal.aborted) throw error;
      } finally {
        await run.close();
      }
      if (!review) {
        io.stderr.write("litreview: interrupted\n");
        setExitCode(interruption.exitCode ?? EXIT_FAILURE);
        return;
      }
      await writeResult(renderReview(review, config.format), config.out, io.stdout);
      if (config.out) run.logger.info(`review written to ${config.out}`);
      setExitCode(EXIT_OK);
    } finally {
      interruption.dispose();
    }
  });
}
