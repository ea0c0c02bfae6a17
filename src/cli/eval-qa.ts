// What `eval litqa2` and `eval pubmedqa` share: every question-run goes through the full pipeline
// (traceReview, as `ask` runs it, with a run directory of its own under <out>/runs/<id>-run<k>/),
// then one grading call to the model; where the question's source paper got to is read from the
// trace. After each question-run, <out>/results.json, questions.jsonl and report.md are rewritten
// (atomically) from all the question-runs recorded. Rerunning with the same --out skips the
// question-runs already recorded (failed ones are tried again) and resumes half-done ones from their
// run directories; an --out holding results of other settings is refused.
import { mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import pLimit from "p-limit";
import { z } from "zod";
import { traceReview, type ReviewModel, type TracedReview } from "../agent/review-question.js";
import { resolveConfig, type Config } from "../config.js";
import { toolVersion, type RunContext } from "../context.js";
import { EXIT_FAILURE, EXIT_OK, NoPapersError, RunError, UsageError, errorMessage } from "../errors.js";
import { QaLineBaseSchema, type QaLineBase } from "../eval/qa.js";
import type { ReportContext } from "../eval/qa-report.js";
import { normaliseWhitespace } from "../fulltext/paper.js";
import { Budget } from "../llm/budget.js";
import type { LlmPool } from "../llm/client.js";
import type { LlmClient } from "../llm/types.js";
import { ReviewSchema, type Review } from "../review/schema.js";
import { logBatchProgress, questionLogger, terminalBatchProgress, type BatchProgress } from "./batch-progress.js";
import { writeFileAtomic, writeResult, type CliIo } from "./io.js";
import { addLoggingOptions, addNetworkOptions, addPipelineOptions, flagsFromCommand, parseNumberOption } from "./options.js";
import { newRunInfo, resumeOrCreateRunDirectory } from "./run-dir.js";
import { questionContext, reviewModel, startRun, type LiveDisplay, type RunPieces } from "./run.js";
import { listenForInterrupt } from "./signals.js";

const DEFAULT_CONCURRENCY = 2;
/** Kept in each run directory beside review.json (and written before it): the stages the source paper reached. */
const STAGES_FILE = "eval-stages.json";

/** A benchmark question: its id names run directories and keys questions.jsonl. */
export interface QaItem {
  id: string;
  question: string;
}

/** One question in one run. */
export interface QaTask<Item extends QaItem> {
  /** `<id>-run<k>`: the run directory's name and the line's key. */
  key: string;
  run: number;
  item: Item;
}

/** A line's benchmark-specific fields (and, for a grading call without a valid answer, the reason). */
export type GradeFields<Line extends QaLineBase> = Omit<Line, keyof QaLineBase> & Pick<QaLineBase, "error">;

export interface QaBenchmark<Item extends QaItem, Line extends QaLineBase> {
  name: "litqa2" | "pubmedqa";
  /** The report's title. */
  title: string;
  /** The data file, as given. */
  data: string;
  tasks: readonly QaTask<Item>[];
  lineSchema: z.ZodType<Line>;
  /** Settings of the evaluation itself (seed, data) that an existing --out must have been run with. */
  settings: Record<string, unknown>;
  /** The stages a source paper reached, from the traced review; every stage missed without one. */
  stages(item: Item, traced?: TracedReview): QaLineBase["stages"];
  /** The one grading call: the model reads the review and answers the benchmark's question. */
  grade(task: QaTask<Item>, review: Review, llm: LlmClient, signal: AbortSignal): Promise<GradeFields<Line>>;
  /** The same fields for a question-run without a review (nothing is asked). */
  ungraded(task: QaTask<Item>): GradeFields<Line>;
  /** The metrics (results.json's own fields, the headline ones first), the report, and the stdout summary. */
  summarise(lines: readonly Line[], context: ReportContext): { metrics: object; report: string; summary: Record<string, unknown> };
  /** The outcome of a question-run in a few words, for the progress line. */
  describe(line: Line): string;
}

/** The options both harnesses take besides their own: --limit, --out, --concurrency and every pipeline, network and logging option of `ask`. */
export function addQaOptions(command: Command, defaultOut: string): Command {
  command
    .option("--limit <n>", "evaluate only the first N questions")
    .option("--out <dir>", `where results.json, questions.jsonl, report.md and the run directories go (default ${defaultOut})`)
    .option("--concurrency <n>", `question-runs evaluated at once (default ${DEFAULT_CONCURRENCY})`);
  addPipelineOptions(command);
  addNetworkOptions(command);
  return addLoggingOptions(command);
}

export interface QaSettings {
  config: Config;
  limit: number | undefined;
  concurrency: number;
  /** As given (or the default), for messages. */
  out: string;
}

/** The options of addQaOptions, checked; the configuration as `ask` resolves it, with library paths made absolute. */
export function qaSettings(command: Command, io: CliIo, defaultOut: string): QaSettings {
  const options = command.opts<{ limit?: string; out?: string; concurrency?: string }>();
  const flags = flagsFromCommand(command);
  // Here --out is the results directory, not ask's review file.
  delete flags.out;
  const config = resolveConfig({ flags, env: io.env, cwd: io.cwd });
  if (!config.llm) throw new UsageError(`eval ${command.name()} grades answers written by a language model: drop --no-llm`);
  if (config.library.length === 0 && config.sources?.length === 0) {
    throw new UsageError("nothing to search: --sources none needs a local library (--library PATH)");
  }
  return {
    config: { ...config, library: config.library.map((path) => resolve(io.cwd, path)) },
    limit: options.limit === undefined ? undefined : parseNumberOption("--limit", options.limit, { min: 1, max: 1_000_000, whole: true }),
    concurrency: options.concurrency === undefined ? DEFAULT_CONCURRENCY : parseNumberOption("--concurrency", options.concurrency, { min: 1, max: 64, whole: true }),
    out: options.out ?? defaultOut,
  };
}

/** Evaluate every task not recorded yet, keeping the outputs current; sets the exit code (0, 1 when any failed, 130/143 interrupted). */
export async function runQaEvaluation<Item extends QaItem, Line extends QaLineBase>(
  benchmark: QaBenchmark<Item, Line>,
  settings: QaSettings,
  io: CliIo,
  setExitCode: (code: number) => void,
): Promise<void> {
  const { config } = settings;
  const outDir = resolve(io.cwd, settings.out);
  const paths = outputPaths(outDir);
  const { tasks } = benchmark;
  const interruption = listenForInterrupt();
  try {
    const run = await startRun(config, io, {
      liveDisplay: (stream) => terminalBatchProgress(stream, tasks.length),
      signal: interruption.signal,
      modelRequired: `eval ${benchmark.name} needs a language model to grade the reviews: set OPENAI_API_KEY, or --base-url and --model, or run a local OpenAI-compatible server`,
    });
    try {
      const pool = run.llm;
      if (!pool) throw new Error("internal: startRun gave no language model although one is required");
      const configuration = {
        benchmark: benchmark.name,
        ...benchmark.settings,
        model: { baseUrl: pool.main.baseUrl, model: pool.main.model, fastModel: pool.fast.model },
        // The settings that shape a review, as each question-run's run.json records them.
        pipeline: newRunInfo(benchmark.name, config, true, toolVersion(), new Date()).settings,
      };
      const lines = await openOutDir(outDir, settings.out, benchmark.lineSchema, configuration);

      // Lines in task order (run by run, questions in data order) whatever order they finished in; others after.
      const taskOrder = new Map(tasks.map((task, index) => [task.key, index]));
      const position = (key: string) => taskOrder.get(key) ?? tasks.length;
      const writing = pLimit(1);
      const writeOutputs = () =>
        writing(async () => {
          const all = [...lines.entries()].sort(([a], [b]) => position(a) - position(b)).map(([, line]) => line);
          const totals = totalsOf(all);
          const generatedAt = new Date().toISOString();
          const model = `${pool.main.model}${pool.fast.model === pool.main.model ? "" : ` (fast: ${pool.fast.model})`} at ${pool.main.baseUrl}`;
          const { metrics, report, summary } = benchmark.summarise(all, { title: benchmark.title, data: benchmark.data, model, toolVersion: toolVersion(), generatedAt, ...totals });
          const results = { benchmark: benchmark.name, ...metrics, ...totals, data: benchmark.data, configuration, toolVersion: toolVersion(), generatedAt };
          // results.json first: questions.jsonl never holds lines whose configuration is not recorded.
          await writeFileAtomic(paths.results, `${JSON.stringify(results, null, 2)}\n`);
          await writeFileAtomic(paths.lines, all.map((line) => `${JSON.stringify(line)}\n`).join(""));
          await writeFileAtomic(paths.report, report);
          return { benchmark: benchmark.name, ...summary, ...totals, out: settings.out };
        });

      const isDone = (task: QaTask<Item>) => {
        const line = lines.get(task.key);
        return line !== undefined && line.outcome !== "failed";
      };
      const todo = tasks.filter((task) => !isDone(task));
      run.logger.info(`eval ${benchmark.name}: ${tasks.length} question-run(s), ${tasks.length - todo.length} done earlier; results in ${settings.out}`);

      const display = run.live ?? logBatchProgress();
      // The display's totals count the question-runs done earlier too.
      for (const task of tasks.filter(isDone)) display.finished({ failed: false, costUsd: lines.get(task.key)?.costUsd ?? null });
      const limit = pLimit(settings.concurrency);
      await Promise.all(
        todo.map((task) =>
          limit(async () => {
            // Once interrupted, question-runs waiting for their turn never start.
            if (interruption.signal.aborted) return;
            const line = await evaluateTask(task, { benchmark, config, run, pool, display, outDir, signal: interruption.signal });
            if (!line) return;
            lines.set(task.key, line);
            await writeOutputs();
            display.finished({ failed: line.outcome === "failed", costUsd: line.costUsd });
            const done = tasks.filter(isDone).length;
            questionLogger(run.logger, task.key).info(`${benchmark.describe(line)} · ${done} of ${tasks.length} done · ${costSoFar([...lines.values()])}`);
          }),
        ),
      );
      const summary = await writeOutputs();
      if (interruption.exitCode !== undefined) {
        io.stderr.write(
          `litreview: interrupted: ${tasks.filter(isDone).length} of ${tasks.length} question-runs done (${costSoFar([...lines.values()])}); run the same command again to resume\n`,
        );
        setExitCode(interruption.exitCode);
        return;
      }
      run.logger.info(`results written to ${join(settings.out, "results.json")}, ${join(settings.out, "questions.jsonl")} and ${join(settings.out, "report.md")}`);
      await writeResult(`${JSON.stringify(summary)}\n`, undefined, io.stdout);
      setExitCode(summary.failed > 0 ? EXIT_FAILURE : EXIT_OK);
    } finally {
      await run.close();
    }
  } finally {
    interruption.dispose();
  }
}

interface TaskRun<Item extends QaItem, Line extends QaLineBase> {
  benchmark: QaBenchmark<Item, Line>;
  config: Config;
  run: RunPieces<LiveDisplay>;
  pool: LlmPool;
  display: BatchProgress;
  outDir: string;
  signal: AbortSignal;
}

/** One question-run: the review (resumed from its run directory where one was begun), then the grading call; undefined when interrupted. */
async function evaluateTask<Item extends QaItem, Line extends QaLineBase>(task: QaTask<Item>, taskRun: TaskRun<Item, Line>): Promise<Line | undefined> {
  const { benchmark, run, pool, signal } = taskRun;
  const model = reviewModel(pool, taskRun.config);
  if (!model) throw new Error("internal: a language model pool gave no model");
  const logger = questionLogger(run.logger, task.key);
  const progress = taskRun.display.question(task.key, logger);
  const context = questionContext(run, taskRun.config, logger, progress);
  const line = (fields: Omit<QaLineBase, "id" | "run">, graded: GradeFields<Line>) => benchmark.lineSchema.parse({ id: task.item.id, run: task.run, ...fields, ...graded });
  try {
    let reviewed: { review: Review; stages: QaLineBase["stages"] };
    try {
      reviewed = await reviewTask(task, benchmark, context, model, join(taskRun.outDir, "runs", task.key));
    } catch (error) {
      // Interrupted question-runs are neither done nor failed: the next run of the command does them.
      if (signal.aborted) return undefined;
      // Nothing at all found to read is a legitimate unanswered result, not a failure.
      const noPapers = error instanceof NoPapersError;
      const reason = normaliseWhitespace(error instanceof RunError || error instanceof UsageError ? errorMessage(error) : `internal error: ${errorMessage(error)}`);
      if (!noPapers) logger.warn(`failed: ${reason}`);
      const usage = model.llm.usage();
      return line(
        { outcome: noPapers ? "no-papers" : "failed", reviewStatus: null, stages: benchmark.stages(task.item), costUsd: usage.costUsd ?? null, llmCalls: usage.calls, error: reason },
        benchmark.ungraded(task),
      );
    }
    // The grading call is the harness's, not the pipeline's: it does not spend the question's budget.
    const grader = pool.client(new Budget({}));
    const graded = await benchmark.grade(task, reviewed.review, grader, signal);
    if (signal.aborted) return undefined;
    const reviewUsage = reviewed.review.usage;
    const gradingUsage = grader.usage();
    const costUsd = reviewUsage?.costUsd == null || gradingUsage.costUsd === undefined ? null : reviewUsage.costUsd + gradingUsage.costUsd;
    return line(
      { outcome: "judged", reviewStatus: reviewed.review.status, stages: reviewed.stages, costUsd, llmCalls: (reviewUsage?.calls ?? 0) + gradingUsage.calls },
      graded,
    );
  } finally {
    progress.stop();
  }
}

function outputPaths(outDir: string): { results: string; lines: string; report: string } {
  return { results: join(outDir, "results.json"), lines: join(outDir, "questions.jsonl"), report: join(outDir, "report.md") };
}

/** The --out directory, created if missing, and the question-runs it records (refused when they were run with other settings). */
async function openOutDir<Line extends QaLineBase>(outDir: string, shownOut: string, schema: z.ZodType<Line>, configuration: Record<string, unknown>): Promise<Map<string, Line>> {
  await mkdir(outDir, { recursive: true }).catch((error: unknown) => {
    throw new UsageError(`cannot create --out ${shownOut}: ${errorMessage(error)}`);
  });
  const paths = outputPaths(outDir);
  const lines = await readRecordedLines(paths.lines, schema);
  if (lines.size > 0) await checkConfiguration(paths.results, configuration, shownOut);
  return lines;
}

const KeptStagesSchema = z.object({ stages: QaLineBaseSchema.shape.stages });

/** The review and the stages its source paper reached: kept from an earlier run of this question-run, or traced now. */
async function reviewTask<Item extends QaItem, Line extends QaLineBase>(
  task: QaTask<Item>,
  benchmark: QaBenchmark<Item, Line>,
  context: RunContext,
  model: ReviewModel,
  dir: string,
): Promise<{ review: Review; stages: QaLineBase["stages"] }> {
  const runDir = await resumeOrCreateRunDirectory(dir, newRunInfo(task.item.question, context.config, true, toolVersion(), new Date()), context.logger);
  const kept = runDir.review ? await readKeptStages(join(dir, STAGES_FILE)) : undefined;
  if (runDir.review && kept) return { review: runDir.review, stages: kept };
  const traced = await traceReview(task.item.question, context, model, runDir.stages);
  const review = ReviewSchema.parse(traced.review);
  const stages = benchmark.stages(task.item, { review, trace: traced.trace });
  // Before review.json: a finished review always has its stages beside it.
  await writeFileAtomic(join(dir, STAGES_FILE), `${JSON.stringify({ stages })}\n`);
  await runDir.saveReview(review);
  return { review, stages };
}

async function readKeptStages(path: string): Promise<QaLineBase["stages"] | undefined> {
  try {
    const parsed = KeptStagesSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
    return parsed.success ? parsed.data.stages : undefined;
  } catch {
    return undefined;
  }
}

/** The question-runs recorded in questions.jsonl, by key; none when it does not exist. A damaged line is a one-line error naming it. */
async function readRecordedLines<Line extends QaLineBase>(path: string, schema: z.ZodType<Line>): Promise<Map<string, Line>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    throw new RunError(`cannot read ${path}: ${errorMessage(error)}`);
  }
  const lines = new Map<string, Line>();
  text.split("\n").forEach((raw, index) => {
    if (raw.trim() === "") return;
    let parsed: z.ZodSafeParseResult<Line>;
    try {
      parsed = schema.safeParse(JSON.parse(raw));
    } catch (error) {
      throw new RunError(`${path}:${index + 1}: not valid JSON (${errorMessage(error)}); use another --out`);
    }
    if (!parsed.success) throw new RunError(`${path}:${index + 1}: not a question-run this version of litreview recorded; use another --out`);
    lines.set(`${parsed.data.id}-run${parsed.data.run}`, parsed.data);
  });
  return lines;
}

/** Refuse to add to results of other settings: a mixed questions.jsonl would measure nothing. */
async function checkConfiguration(path: string, configuration: Record<string, unknown>, shownOut: string): Promise<void> {
  let recorded: unknown;
  try {
    recorded = (JSON.parse(await readFile(path, "utf8")) as { configuration?: unknown }).configuration;
  } catch (error) {
    throw new RunError(`cannot tell which settings produced the results in ${shownOut}: ${path} is missing or damaged (${errorMessage(error)}); use another --out`);
  }
  const differences = differingSettings(recorded, configuration);
  if (differences.length > 0) {
    throw new UsageError(`${shownOut} holds results of other settings (${differences.join("; ")}): use another --out, or remove ${shownOut} to start over`);
  }
}

/** `path: earlier → now` for every setting that differs, comparing nested objects key by key. */
function differingSettings(earlier: unknown, now: unknown, path = ""): string[] {
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
  if (isObject(earlier) && isObject(now)) {
    const keys = [...new Set([...Object.keys(earlier), ...Object.keys(now)])];
    return keys.flatMap((key) => differingSettings(earlier[key], now[key], path ? `${path}.${key}` : key));
  }
  if (JSON.stringify(earlier) === JSON.stringify(now)) return [];
  const shown = (value: unknown) => (value === undefined ? "(unset)" : JSON.stringify(value));
  return [`${path || "settings"}: ${shown(earlier)} → ${shown(now)}`];
}

/** Question-runs that failed, and what all recorded question-runs cost (null when any price is unknown). */
function totalsOf(lines: readonly QaLineBase[]): { failed: number; costUsd: number | null; llmCalls: number } {
  const costs = lines.map((line) => line.costUsd);
  return {
    failed: lines.filter((line) => line.outcome === "failed").length,
    costUsd: costs.includes(null) ? null : costs.reduce<number>((sum, cost) => sum + (cost ?? 0), 0),
    llmCalls: lines.reduce((sum, line) => sum + line.llmCalls, 0),
  };
}

function costSoFar(lines: readonly QaLineBase[]): string {
  const { costUsd } = totalsOf(lines);
  return costUsd === null ? "cost so far unknown (a model has no price)" : `$${costUsd.toFixed(4)} so far`;
}
