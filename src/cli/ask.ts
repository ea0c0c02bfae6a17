// `litreview ask "question"`: one question in, one review out. Each run keeps its completed stages
// in a run directory; `ask --resume DIR` goes on from the last of them.
import { resolve } from "node:path";
import type { Command } from "commander";
import { reviewQuestion } from "../agent/review-question.js";
import { resolveConfig, type Config } from "../config.js";
import { toolVersion } from "../context.js";
import { EXIT_FAILURE, EXIT_OK, RunError, UsageError } from "../errors.js";
import { createLogger, type Logger } from "../log.js";
import { logProgress } from "../progress.js";
import { bibliographyFormatFor, formatBibliography, type BibliographyFormat } from "../review/bibliography.js";
import { ReviewSchema, type Review } from "../review/schema.js";
import { readQuestion, writeFileAtomic, writeResult, type CliIo } from "./io.js";
import { addLoggingOptions, addNetworkOptions, addOutputOptions, addPipelineOptions, configFromCommand, flagsFromCommand } from "./options.js";
import { terminalProgress } from "./progress.js";
import { createRunDirectory, defaultRunDir, describeResume, newRunInfo, openRunDirectory, type RunDirectory } from "./run-dir.js";
import { questionContext, renderReview, reviewModel, startRun } from "./run.js";
import { listenForInterrupt } from "./signals.js";

interface AskOptions {
  runDir?: string;
  resume?: string;
  bib?: string;
}

/** Where the bibliography goes, and in which format (from the file's extension). */
interface BibliographyTarget {
  path: string;
  format: BibliographyFormat;
}

export function registerAskCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const ask = program
    .command("ask")
    .description("review the literature on one question and print a cited review")
    .argument("[question]", 'the question, in quotes; "-" reads it from stdin (omitted with --resume)');
  addPipelineOptions(ask);
  addOutputOptions(ask);
  ask
    .option("--bib <file>", "also write the cited references to this file: .bib (BibTeX), .ris (RIS) or .json (CSL-JSON)")
    .option("--findings <n>", "quoted key findings in an extractive review (default 8)")
    .option("--max-question-length <n>", "refuse longer questions (default 4000 characters)")
    .option("--run-dir <dir>", "keep the run's stages here (default $XDG_STATE_HOME/litreview/runs/<time>-<hash>)")
    .option("--resume <dir>", "go on with the run kept in this run directory, from its last completed stage");
  addNetworkOptions(ask);
  addLoggingOptions(ask);
  ask.action(async (questionArgument: string | undefined, options: AskOptions, command: Command) => {
    const resumeDir = options.resume === undefined ? undefined : resolve(io.cwd, options.resume);
    if (resumeDir !== undefined && questionArgument !== undefined) throw new UsageError("--resume takes the question from the run directory: give no question with it");
    if (resumeDir !== undefined && options.runDir !== undefined) throw new UsageError("--resume and --run-dir cannot be used together: the run directory is the one resumed");
    if (resumeDir === undefined && questionArgument === undefined) throw new UsageError(`missing required argument 'question' (in quotes, "-" to read it from stdin, or --resume RUN_DIR)`);

    // Checked before the run, so that a bad extension does not cost a whole review.
    const bibliography = options.bib === undefined ? undefined : { path: resolve(io.cwd, options.bib), format: bibliographyFormatFor(options.bib) };

    const previous = resumeDir === undefined ? undefined : await openRunDirectory(resumeDir);
    // A resumed run keeps its question and pipeline settings; output, logging and network flags apply as given.
    const config = previous
      ? resolveConfig({ flags: flagsFromCommand(command), env: io.env, cwd: io.cwd, item: { settings: previous.info.settings, where: previous.infoPath } })
      : configFromCommand(command, io);
    const question = previous?.info.question ?? (await readQuestion(questionArgument ?? "", io.stdin, config.maxQuestionLength));
    if (previous?.review) {
      const logger = createLogger(config.logLevel, io.stderr);
      logger.info(`resuming ${previous.dir} from ${describeResume(previous)}`);
      await printReview(previous.review, config, io);
      await writeBibliography(previous.review, bibliography, logger);
      setExitCode(EXIT_OK);
      return;
    }

    const interruption = listenForInterrupt();
    let runDir: RunDirectory | undefined;
    let review: Review | undefined;
    try {
      // On a terminal the steps show as one live status line, and log lines are written above it.
      const run = await startRun(config, io, { liveDisplay: terminalProgress, signal: interruption.signal });
      const context = questionContext(run, config, run.logger, run.live ?? logProgress(run.logger));
      try {
        runDir = previous ?? (await freshRunDirectory(question, config, run.llm !== undefined, options.runDir, io));
        if (previous) {
          if (previous.info.mode === "llm" && !run.llm) throw new RunError(`${previous.dir} was started with a language model, and none is configured now: configure the same model to resume it`);
          run.logger.info(`resuming ${previous.dir} from ${describeResume(previous)}`);
        } else {
          run.logger.debug(`run state kept in ${runDir.dir}`);
        }
        review = ReviewSchema.parse(await reviewQuestion(question, context, reviewModel(run.llm, config), runDir.stages));
        await runDir.saveReview(review);
      } catch (error) {
        if (!interruption.signal.aborted) throw error;
      } finally {
        await run.close();
      }
      if (!review) {
        io.stderr.write(runDir ? `litreview: interrupted; resume with: litreview ask --resume ${runDir.dir}\n` : "litreview: interrupted\n");
        setExitCode(interruption.exitCode ?? EXIT_FAILURE);
        return;
      }
      await printReview(review, config, io);
      if (config.out) run.logger.info(`review written to ${config.out}`);
      await writeBibliography(review, bibliography, run.logger);
      setExitCode(EXIT_OK);
    } finally {
      interruption.dispose();
    }
  });
}

async function freshRunDirectory(question: string, config: Config, withModel: boolean, runDirOption: string | undefined, io: CliIo): Promise<RunDirectory> {
  const now = new Date();
  const dir = runDirOption === undefined ? defaultRunDir(io.env, question, now) : resolve(io.cwd, runDirOption);
  // Library paths made absolute, so that a resume from another directory reads the same papers.
  const absolute = { ...config, library: config.library.map((path) => resolve(io.cwd, path)) };
  return createRunDirectory(dir, newRunInfo(question, absolute, withModel, toolVersion(), now));
}

function printReview(review: Review, config: Config, io: CliIo): Promise<void> {
  return writeResult(renderReview(review, config.format), config.out, io.stdout);
}

async function writeBibliography(review: Review, target: BibliographyTarget | undefined, logger: Logger): Promise<void> {
  if (target === undefined) return;
  await writeFileAtomic(target.path, await formatBibliography(review.references, target.format));
  logger.info(`bibliography written to ${target.path}`);
}
