// The questions of `litreview batch`: plain text (one question a line) or JSONL (one object a line,
// with an optional id and per-question settings). Everything is checked before any work starts, and
// a problem is a usage error naming the line.
import { createHash } from "node:crypto";
import { z } from "zod";
import { SEARCH_SOURCES, type ConfigInput } from "../config.js";
import { UsageError } from "../errors.js";
import { normaliseWhitespace } from "../fulltext/paper.js";

export interface BatchQuestion {
  /** 1-based line in the input. */
  line: number;
  /** Safe as a file name; the outputs are `<id>.md` and `<id>.json`. */
  id: string;
  question: string;
  /** Settings for this question only, over the run's (JSONL only). */
  settings: ConfigInput;
}

/** The settings that make sense per question; everything else is one run's business (servers, models, cache). */
const QuestionLineSchema = z
  .object({
    id: z.string(),
    question: z.string(),
    sources: z.array(z.enum(SEARCH_SOURCES)),
    library: z.union([z.string().transform((path) => [path]), z.array(z.string())]),
    depth: z.enum(["quick", "standard", "deep"]),
    maxIterations: z.number(),
    maxLlmCalls: z.number(),
    maxCost: z.number(),
    maxPapers: z.number(),
    timeLimit: z.number(),
    topK: z.number(),
    searchLimit: z.number(),
    fetchLimit: z.number(),
    findings: z.number(),
    verify: z.boolean(),
    length: z.enum(["short", "standard", "long"]),
  })
  .partial()
  .required({ question: true })
  .strict();

const ID_MAX_LENGTH = 80;
const HASH_ID_LENGTH = 12;

/** `text` is the whole input; `source` names it in messages ("questions.jsonl", "stdin"). */
export function parseBatchInput(text: string, source: string, maxQuestionLength: number): BatchQuestion[] {
  const lines = text
    .split(/\r?\n/)
    .map((content, index) => ({ line: index + 1, content: content.trim() }))
    .filter(({ content }) => content.length > 0 && !content.startsWith("#"));
  if (lines.length === 0) throw new UsageError(`no questions in ${source}: every line is blank or a # comment`);
  // JSONL as soon as any line is a JSON object: a file mixing both is a mistake, reported by line.
  const jsonl = lines.some(({ content }) => isJsonObject(content));
  const questions = lines.map(({ line, content }) => {
    const where = `${source} line ${line}`;
    const parsed = jsonl ? parseJsonLine(content, where) : { question: content, settings: {} };
    const question = normaliseWhitespace(parsed.question);
    if (question.length === 0) throw new UsageError(`${where}: the question is empty`);
    if (question.length > maxQuestionLength) {
      throw new UsageError(`${where}: the question is too long (${question.length} characters; the limit is ${maxQuestionLength}, see --max-question-length)`);
    }
    const id = parsed.id === undefined ? defaultId(question) : sanitiseId(parsed.id, where);
    return { line, id, question, settings: parsed.settings };
  });
  rejectDuplicateIds(questions, source);
  return questions;
}

/** A stable id for a question without one: the same question always gets the same file names. */
export function defaultId(question: string): string {
  return createHash("sha256").update(normaliseWhitespace(question)).digest("hex").slice(0, HASH_ID_LENGTH);
}

/** Letters, digits, `.`, `_` and `-` only (others become `-`), no leading dot, at most 80 characters. */
export function sanitiseId(raw: string, where: string): string {
  const id = raw
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^\.+/, "")
    .slice(0, ID_MAX_LENGTH);
  if (id.length === 0 || /^-+$/.test(id)) throw new UsageError(`${where}: the id ${JSON.stringify(raw)} has no letters or digits to name files with`);
  return id;
}

function isJsonObject(content: string): boolean {
  if (!content.startsWith("{")) return false;
  try {
    const value: unknown = JSON.parse(content);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

function parseJsonLine(content: string, where: string): { id?: string; question: string; settings: ConfigInput } {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    throw new UsageError(`${where}: not a JSON object (in a JSONL file every question line must be one)`);
  }
  const parsed = QuestionLineSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${where}: ${describeIssue(parsed.error.issues[0])}`);
  const { id, question, ...settings } = parsed.data;
  return { ...(id === undefined ? {} : { id }), question, settings };
}

function describeIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return "invalid question line";
  if (issue.code === "unrecognized_keys") {
    return `unknown field ${issue.keys.map((key) => JSON.stringify(key)).join(", ")}; allowed: ${Object.keys(QuestionLineSchema.shape).join(", ")}`;
  }
  if (issue.path.length === 0) return `not a JSON object with a "question" (${issue.message})`;
  return `"${issue.path.join(".")}": ${issue.message}`;
}

/** Ids that differ only in case are duplicates too: they would be one file on a case-insensitive file system. */
function rejectDuplicateIds(questions: readonly BatchQuestion[], source: string): void {
  const seen = new Map<string, number>();
  for (const { id, line } of questions) {
    const first = seen.get(id.toLowerCase());
    if (first !== undefined) throw new UsageError(`${source} line ${line}: the id "${id}" is already used by line ${first} (ids must be unique)`);
    seen.set(id.toLowerCase(), line);
  }
}
