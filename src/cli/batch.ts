// `litreview batch FILE|-`: many questions in, a folder of reviews and one JSON summary line per
// question on stdout. Questions run a few at a time over one HTTP client (one rate limiter per host,
// one cache) and one LLM pool (one concurrency limit), each with its own budget. A failed question is
// recorded and the batch goes on. Each question keeps its stages in <out-dir>/.runs/<id>/;
// `--resume` skips questions whose outputs are already complete and resumes the others from there.
import { readFile, mkdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Option, type Command } from "commander";
import pLimit from "p-limit";
import { reviewQuestion } from "../agent/review-question.js";
import { resolveConfig, type Config, type ConfigInput } from "../config.js";
import { toolVersion } from "../context.js";
import { EXIT_FAILURE, EXIT_OK, RunError, UsageError, errorMessage } from "../errors.js";
import { normaliseWhitespace } from "../fulltext/paper.js";
import type { Logger } from "../log.js";
import { BIBLIOGRAPHY_EXTENSION, BIBLIOGRAPHY_FORMATS, formatBibliography, type BibliographyFormat } from "../review/bibliography.js";
import { ReviewSchema, type Review } from "../review/schema.js";
import { parseBatchInput, type BatchQuestion } from "./batch-input.js";
import { logBatchProgress, questionLogger, terminalBatchProgress, type BatchProgress } from "./batch-progress.js";
import { writeFileAtomic, writeResult, type CliIo } from "./io.js";
import { addLoggingOptions, addNetworkOptions, addPipelineOptions, flagsFromCommand, parseNumberOption } from "./options.js";
import { createRunDirectory, newRunInfo, resumeOrCreateRunDirectory, type RunDirectory } from "./run-dir.js";
import { questionContext, renderReview, reviewModel, startRun, type RunPieces, type LiveDisplay } from "./run.js";
import { listenForInterrupt } from "./signals.js";

const DEFAULT_CONCURRENCY = 2;
const ANSWER_SUMMARY_LENGTH = 300;

/** One line of stdout per finished question. */
export interface SummaryLine {
  id: string;
  status: "answered" | "insufficient" | "failed";
  /** The answer's first sentence; empty for a failed question. */
  answer: string;
  /** Why the question failed. */
  reason?: string;
  /** Zero for a failed question. */
  counts: { papers: number; fullText: number; evidence: number; cited: number };
  /** Null when a model's price is unknown. */
  costUsd: number | null;
  llmCalls: number;
  /** Absent for a failed question; bibliography only with --bib-format. */
  paths?: { markdown: string; json: string; bibliography?: string };
  /** The outputs were complete already and the question was not asked again (--resume). */
  resumed?: true;
}

export interface BatchQuestionRun extends BatchQuestion {
  config: Config;
}

export function registerBatchCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const batch = program
    .command("batch")
    .description("review many questions: a .md and a .json per question in --out-dir, one JSON summary line per question on stdout")
    .argument("<input>", 'a file of questions, one a line (plain text or JSONL); "-" reads stdin');
  addPipelineOptions(batch);
  batch
    .requiredOption("--out-dir <dir>", "where <id>.md and <id>.json are written (created if missing)")
    .option("--concurrency <n>", `questions reviewed at once (default ${DEFAULT_CONCURRENCY})`)
    .option("--resume", "skip questions whose .md and .json in --out-dir are complete; resume the others from <out-dir>/.runs/<id>/")
    .addOption(
      new Option("--bib-format <format>", "also write each question's cited references as <id>.bib (bibtex), <id>.ris (ris) or <id>.csl.json (csljson)").choices([
        ...BIBLIOGRAPHY_FORMATS,
      ]),
    )
    .option("--findings <n>", "quoted key findings in an extractive review (default 8)")
    .option("--max-question-length <n>", "refuse longer questions (default 4000 characters)");
  addNetworkOptions(batch);
  addLoggingOptions(batch);
  batch.action(async (input: string, options: { outDir: string; concurrency?: string; resume?: boolean; bibFormat?: BibliographyFormat }, command: Command) => {
    const flags = flagsFromCommand(command);
    const config = resolveConfig({ flags, env: io.env, cwd: io.cwd });
    const concurrency =
      options.concurrency === undefined ? DEFAULT_CONCURRENCY : parseNumberOption("--concurrency", options.concurrency, { min: 1, max: 64, whole: true });
    const source = input === "-" ? "stdin" : input;
    const questions = parseBatchInput(await readInput(input, io), source, config.maxQuestionLength).map((question) => ({
      ...question,
      config: questionConfig(question, flags, io, source),
    }));
    const outDir = resolve(io.cwd, options.outDir);
    await mkdir(outDir, { recursive: true }).catch((error: unknown) => {
      throw new UsageError(`cannot create --out-dir ${options.outDir}: ${errorMessage(error)}`);
    });

    const interruption = listenForInterrupt();
    try {
      const run = await startRun(config, io, {
        liveDisplay: (stream) => terminalBatchProgress(stream, questions.length),
        signal: interruption.signal,
      });
      const batchRun: BatchRun = {
        run,
        progress: run.live ?? logBatchProgress(),
        outDir,
        shownDir: options.outDir,
        resume: options.resume === true,
        ...(options.bibFormat ? { bibFormat: options.bibFormat } : {}),
      };
      const limit = pLimit(concurrency);
      let finished = 0;
      let failed = 0;
      try {
        await Promise.all(
          questions.map((question) =>
            limit(async () => {
              // Once interrupted, questions waiting for their turn never start.
              if (interruption.signal.aborted) return;
              const summary = options.resume ? ((await completedSummary(question, batchRun)) ?? (await reviewOne(question, batchRun))) : await reviewOne(question, batchRun);
              if (!summary) return;
              finished += 1;
              if (summary.status === "failed") failed += 1;
              await writeResult(`${JSON.stringify(summary)}\n`, undefined, io.stdout);
            }),
          ),
        );
      } finally {
        await run.close();
      }
      if (interruption.exitCode !== undefined) {
        io.stderr.write(`litreview: interrupted: ${finished} of ${questions.length} questions done; run the same command with --resume to finish\n`);
        setExitCode(interruption.exitCode);
        return;
      }
      setExitCode(failed > 0 ? EXIT_FAILURE : EXIT_OK);
    } finally {
      interruption.dispose();
    }
  });
}

export interface BatchRun {
  run: RunPieces<LiveDisplay>;
  progress: BatchProgress;
  /** Absolute, for the file system. */
  outDir: string;
  /** As the user typed it, for the summary lines. */
  shownDir: string;
  /** Questions resume from their run directories (--resume); absent: each starts afresh. */
  resume?: boolean;
  /** Each question's cited references are also written in this format (--bib-format). */
  bibFormat?: BibliographyFormat;
}

async function readInput(input: string, io: CliIo): Promise<string> {
  if (input !== "-") {
    return readFile(resolve(io.cwd, input), "utf8").catch((error: unknown) => {
      throw new UsageError(`cannot read ${input}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : errorMessage(error)}`);
    });
  }
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** The run's configuration with the question's own settings over it, validated like any other. */
function questionConfig(question: BatchQuestion, flags: ConfigInput, io: CliIo, source: string): Config {
  const where = `${source} line ${question.line}`;
  const config = resolveConfig({ flags, env: io.env, cwd: io.cwd, item: { settings: question.settings, where } });
  if (config.library.length === 0 && config.sources?.length === 0) {
    throw new UsageError(`${where}: nothing to search: no sources and no library for this question`);
  }
  return config;
}

/** Review one question and write its outputs; undefined when the batch was interrupted first. */
export async function reviewOne(question: BatchQuestionRun, batch: BatchRun): Promise<SummaryLine | undefined> {
  const { run } = batch;
  const logger = questionLogger(run.logger, question.id);
  const progress = batch.progress.question(question.id, logger);
  const model = reviewModel(run.llm, question.config);
  const signal = run.sources.signal;
  const context = questionContext(run, question.config, logger, progress);
  const fail = (error: unknown): SummaryLine => {
    const reason = normaliseWhitespace(error instanceof RunError || error instanceof UsageError ? errorMessage(error) : `internal error: ${errorMessage(error)}`);
    logger.warn(`failed: ${reason}`);
    const usage = model?.llm.usage();
    const costUsd = usage ? (usage.costUsd ?? null) : 0;
    batch.progress.finished({ failed: true, costUsd });
    return { id: question.id, status: "failed", answer: "", reason, counts: { papers: 0, fullText: 0, evidence: 0, cited: 0 }, costUsd, llmCalls: usage?.calls ?? 0 };
  };
  try {
    let review: Review;
    try {
      const runDir = await questionRunDirectory(question, batch, model !== undefined, logger);
      review = runDir.review ?? ReviewSchema.parse(await reviewQuestion(question.question, context, model, runDir.stages));
      await runDir.saveReview(review);
    } catch (error) {
      // Interrupted questions are neither done nor failed: --resume runs them again.
      if (signal?.aborted) return undefined;
      return fail(error);
    }
    const paths = outputPaths(question.id, batch);
    try {
      // The .json last: a complete pair means a finished question (see completedSummary).
      await writeFileAtomic(paths.markdown, renderReview(review, "markdown"));
      await writeQuestionBibliography(review, paths, batch);
      await writeFileAtomic(paths.json, renderReview(review, "json"));
    } catch (error) {
      return fail(error);
    }
    const summary = summarise(question.id, review, outputPaths(question.id, batch, "shown"));
    logger.info(`${review.status}: ${summary.counts.papers} paper(s) read, ${summary.counts.cited} cited`);
    batch.progress.finished({ failed: false, costUsd: summary.costUsd });
    return summary;
  } finally {
    progress.stop();
  }
}

/** The question's run directory: the earlier run of it when resuming one with the same settings, else a fresh one. */
function questionRunDirectory(question: BatchQuestionRun, batch: BatchRun, withModel: boolean, logger: Logger): Promise<RunDirectory> {
  const dir = join(batch.outDir, ".runs", question.id);
  const info = newRunInfo(question.question, question.config, withModel, toolVersion(), new Date());
  return batch.resume ? resumeOrCreateRunDirectory(dir, info, logger) : createRunDirectory(dir, info);
}

/** The summary of a question whose outputs are complete (valid review of this question in .json, and the .md), else undefined. */
async function completedSummary(question: BatchQuestionRun, batch: BatchRun): Promise<SummaryLine | undefined> {
  const paths = outputPaths(question.id, batch);
  let review: Review;
  try {
    const parsed = ReviewSchema.safeParse(JSON.parse(await readFile(paths.json, "utf8")));
    if (!parsed.success || parsed.data.question !== question.question) return undefined;
    if (!(await stat(paths.markdown)).isFile()) return undefined;
    review = parsed.data;
  } catch {
    return undefined;
  }
  // A bibliography asked for only now is written from the finished review.
  if (paths.bibliography && !(await stat(paths.bibliography).catch(() => undefined))) await writeQuestionBibliography(review, paths, batch);
  batch.progress.finished({ failed: false, costUsd: 0 });
  return { ...summarise(question.id, review, outputPaths(question.id, batch, "shown")), resumed: true };
}

interface OutputPaths {
  markdown: string;
  json: string;
  bibliography?: string;
}

function outputPaths(id: string, batch: BatchRun, form: "fs" | "shown" = "fs"): OutputPaths {
  const dir = form === "fs" ? batch.outDir : batch.shownDir;
  const bibliography = batch.bibFormat ? { bibliography: join(dir, `${id}${BIBLIOGRAPHY_EXTENSION[batch.bibFormat]}`) } : {};
  return { markdown: join(dir, `${id}.md`), json: join(dir, `${id}.json`), ...bibliography };
}

async function writeQuestionBibliography(review: Review, paths: OutputPaths, batch: BatchRun): Promise<void> {
  if (batch.bibFormat && paths.bibliography) await writeFileAtomic(paths.bibliography, await formatBibliography(review.references, batch.bibFormat));
}

export function summarise(id: string, review: Review, paths: OutputPaths): SummaryLine {
  const { counts } = review.methods;
  return {
    id,
    status: review.status,
    answer: firstSentence(review.answer),
    counts: { papers: counts.papers, fullText: counts.fullText, evidence: counts.evidence, cited: counts.cited },
    // An extractive review costs nothing; an LLM review's cost is null when a price is unknown.
    costUsd: review.usage ? review.usage.costUsd : 0,
    llmCalls: review.usage?.calls ?? 0,
    paths,
  };
}

/** The first sentence, at most 300 characters: enough to scan a batch's results. */
function firstSentence(text: string): string {
  const normalised = normaliseWhitespace(text);
  // A sentence ends at . ! or ? (and a closing quote), with the citations after it, before the next capital or quote.
  const first = /^.*?[.!?]["”)]?(?:\s*\[[\d,\s–-]+\])*(?=\s+["“(A-Z0-9]|$)/.exec(normalised)?.[0] ?? normalised;
  return first.length <= ANSWER_SUMMARY_LENGTH ? first : `${first.slice(0, ANSWER_SUMMARY_LENGTH - 1)}…`;
}
