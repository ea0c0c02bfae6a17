// Run directories: one per question, holding each completed stage as JSON (written atomically), so
// that `ask --resume DIR` and `batch --resume` go on from the last completed stage:
//   run.json      the question, the tool version and the settings that shape the review
//   collection.json  extractive reviews: the papers gathered
//   agent.json    reviews with a model: the agent after every completed round
//   answer.json   the model's draft answer
//   review.json   the finished review
// Every file read back is validated; a corrupt or foreign one is a one-line error naming it.
import { createHash } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { AgentSnapshotSchema, AnswerSnapshotSchema, CollectionSnapshotSchema, type CompletedStages, type RunStages } from "../agent/state.js";
import type { Config, ConfigInput, ConfigKey } from "../config.js";
import { RunError, errorMessage } from "../errors.js";
import { ReviewSchema, type Review } from "../review/schema.js";
import type { Logger } from "../log.js";
import { writeFileAtomic } from "./io.js";

const FILES = {
  run: "run.json",
  collection: "collection.json",
  agent: "agent.json",
  answer: "answer.json",
  review: "review.json",
} as const;
type Stage = Exclude<keyof typeof FILES, "run">;

const RUN_FORMAT_VERSION = 1;

/** The settings that shape a review (not where output goes, nor how the network is reached): a resumed run keeps them. */
const PIPELINE_SETTINGS = [
  "library",
  "sources",
  "llm",
  "model",
  "fastModel",
  "depth",
  "maxIterations",
  "searchLimit",
  "fetchLimit",
  "topK",
  "perPaperCap",
  "chunkSize",
  "chunkOverlap",
  "findings",
  "verify",
  "length",
  "maxCost",
  "maxLlmCalls",
  "maxPapers",
  "timeLimit",
] as const satisfies readonly ConfigKey[];

const RunInfoSchema = z
  .object({
    formatVersion: z.literal(RUN_FORMAT_VERSION),
    question: z.string().min(1),
    toolVersion: z.string(),
    /** Whether the review is written by a language model (agent.json, answer.json) or extractive (collection.json). */
    mode: z.enum(["llm", "extractive"]),
    startedAt: z.string(),
    /** Pipeline settings, as config input (validated again by resolveConfig when resumed). */
    settings: z.record(z.string(), z.unknown()),
  })
  .strict();
export type RunInfo = z.infer<typeof RunInfoSchema>;

/** An open run directory: what it holds already, and how the review keeps its stages in it. */
export interface RunDirectory {
  dir: string;
  /** Its run.json, for messages. */
  infoPath: string;
  info: RunInfo;
  completed: CompletedStages;
  /** The finished review, when the run got that far. */
  review: Review | undefined;
  /** For reviewQuestion: the completed stages, and the callbacks that write new ones here. */
  stages: RunStages;
  saveReview(review: Review): Promise<void>;
}

/** `$XDG_STATE_HOME/litreview/runs/<UTC timestamp>-<12 hex of sha256(question)>`. */
export function defaultRunDir(env: NodeJS.ProcessEnv, question: string, now: Date): string {
  const stateHome = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const hash = createHash("sha256").update(question).digest("hex").slice(0, 12);
  return join(stateHome, "litreview", "runs", `${stamp}-${hash}`);
}

/** A new run's run.json; `withModel` is whether a model was found (a resumed run must use one too, or none). */
export function newRunInfo(question: string, config: Config, withModel: boolean, toolVersion: string, now: Date): RunInfo {
  const settings: ConfigInput = {};
  for (const key of PIPELINE_SETTINGS) if (config[key] !== undefined) settings[key] = config[key];
  settings.llm = withModel;
  return { formatVersion: RUN_FORMAT_VERSION, question, toolVersion, mode: withModel ? "llm" : "extractive", startedAt: now.toISOString(), settings };
}

/** Whether two runs review the same question with the same settings (a batch resumes only such a run). */
export function sameRun(a: RunInfo, b: RunInfo): boolean {
  return a.question === b.question && a.mode === b.mode && JSON.stringify(a.settings) === JSON.stringify(b.settings);
}

/** A fresh run directory: created if missing, stages of any earlier run in it removed, run.json written. */
export async function createRunDirectory(dir: string, info: RunInfo): Promise<RunDirectory> {
  await mkdir(dir, { recursive: true }).catch((error: unknown) => {
    throw new RunError(`cannot create the run directory ${dir}: ${errorMessage(error)}`);
  });
  await Promise.all(Object.values(FILES).map((name) => rm(join(dir, name), { force: true })));
  await writeJson(dir, FILES.run, info);
  return runDirectory(dir, info, {}, undefined);
}

/**
 * The run directory `dir` as an earlier run of the same question with the same settings left it,
 * resumed from its last completed stage; otherwise (none there, another run's, or unreadable:
 * warned about) a fresh one.
 */
export async function resumeOrCreateRunDirectory(dir: string, info: RunInfo, logger: Logger): Promise<RunDirectory> {
  try {
    const earlier = await readRunInfo(dir);
    if (earlier && sameRun(earlier, info)) {
      const previous = await openRunDirectory(dir);
      logger.info(`resuming from ${describeResume(previous)}`);
      return previous;
    }
  } catch (error) {
    logger.warn(`${errorMessage(error)}; starting afresh`);
  }
  return createRunDirectory(dir, info);
}

/** The run.json of a run directory, validated; undefined when there is none. */
export function readRunInfo(dir: string): Promise<RunInfo | undefined> {
  return readStage(dir, FILES.run, RunInfoSchema);
}

/** A run directory as an earlier run left it: its run.json and the stages it completed, each validated. */
export async function openRunDirectory(dir: string): Promise<RunDirectory> {
  const info = await readRunInfo(dir);
  if (!info) throw new RunError(`${dir} is not a litreview run directory (it has no ${FILES.run})`);
  const review = await readStage(dir, FILES.review, ReviewSchema);
  if (review) return runDirectory(dir, info, {}, review);
  if (info.mode === "extractive") {
    const collection = await readStage(dir, FILES.collection, CollectionSnapshotSchema);
    return runDirectory(dir, info, collection ? { collection } : {}, undefined);
  }
  const agent = await readStage(dir, FILES.agent, AgentSnapshotSchema);
  const answer = await readStage(dir, FILES.answer, AnswerSnapshotSchema);
  if (answer && agent?.stopReason == null) {
    throw new RunError(`cannot resume from ${join(dir, FILES.answer)}: there is no finished ${FILES.agent} beside it`);
  }
  return runDirectory(dir, info, { ...(agent ? { agent } : {}), ...(answer ? { answer } : {}) }, undefined);
}

/** Which stage a run goes on from, for the message printed when it resumes. */
export function describeResume(run: RunDirectory): string {
  const { completed } = run;
  if (run.review) return `the finished review (${FILES.review})`;
  if (completed.answer) return `the draft answer (${FILES.answer}): rebuilding the review without calling the model`;
  if (completed.agent) {
    const rounds = `${completed.agent.iteration} round(s) done`;
    return completed.agent.stopReason === null
      ? `${FILES.agent}: ${rounds}, going on with round ${completed.agent.iteration + 1}`
      : `${FILES.agent}: ${rounds}, the search is over (${completed.agent.stopReason}); writing the answer`;
  }
  if (completed.collection) return `the papers gathered (${FILES.collection}): ranking them again`;
  return "the beginning: no stage was completed";
}

function runDirectory(dir: string, info: RunInfo, completed: CompletedStages, review: Review | undefined): RunDirectory {
  const save = (stage: Stage) => (data: unknown) => writeJson(dir, FILES[stage], data);
  return {
    dir,
    infoPath: join(dir, FILES.run),
    info,
    completed,
    review,
    stages: { completed, save: { collection: save("collection"), agentRound: save("agent"), answer: save("answer") } },
    saveReview: save("review"),
  };
}

function writeJson(dir: string, name: string, data: unknown): Promise<void> {
  return writeFileAtomic(join(dir, name), `${JSON.stringify(data)}\n`);
}

/** A stage file, validated; undefined when it does not exist. */
async function readStage<T>(dir: string, name: string, schema: z.ZodType<T, unknown>): Promise<T | undefined> {
  const path = join(dir, name);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new RunError(`cannot read ${path}: ${errorMessage(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new RunError(`cannot resume from ${path}: it is not valid JSON (a damaged file?)`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    throw new RunError(`cannot resume from ${path}: not a litreview ${name} of this version (${issue?.message ?? "invalid"}${where})`);
  }
  return parsed.data;
}
