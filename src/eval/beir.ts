// Readers for BEIR-format collections: corpus.jsonl, queries.jsonl and a qrels TSV. Every line is
// validated; the first bad line stops the run with one line naming the file and line number.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { UsageError, errorMessage } from "../errors.js";
import type { Judgments } from "./metrics.js";

export interface BeirDocument {
  id: string;
  title: string;
  text: string;
}

export interface BeirQuery {
  id: string;
  text: string;
}

/** Query id → its judgments. */
export type Qrels = Map<string, Judgments>;

export interface BeirCollection {
  corpus: BeirDocument[];
  queries: BeirQuery[];
  qrels: Qrels;
}

export interface BeirPaths {
  corpus: string;
  queries: string;
  qrels: string;
}

const Identifier = z.union([z.string().min(1, "must not be empty"), z.number().transform(String)]);

const CorpusLine = z.object({
  _id: Identifier,
  title: z.string().nullish(),
  text: z.string(),
});

const QueryLine = z.object({
  _id: Identifier,
  text: z.string(),
});

const QrelsLine = z.object({
  "query-id": z.string().min(1, "must not be empty"),
  "corpus-id": z.string().min(1, "must not be empty"),
  score: z.string().regex(/^-?\d+$/, "must be a whole number").transform(Number),
});

const QRELS_HEADER = ["query-id", "corpus-id", "score"];

export async function loadBeirCollection(paths: BeirPaths): Promise<BeirCollection> {
  const [corpus, queries, qrels] = await Promise.all([readCorpus(paths.corpus), readQueries(paths.queries), readQrels(paths.qrels)]);
  return { corpus, queries, qrels };
}

export async function readCorpus(path: string): Promise<BeirDocument[]> {
  const documents = await readJsonLines(path, CorpusLine, { one: "document", many: "documents", idField: "_id", id: (line) => line._id });
  return documents.map(({ _id, title, text }) => ({ id: _id, title: title ?? "", text }));
}

export async function readQueries(path: string): Promise<BeirQuery[]> {
  const queries = await readJsonLines(path, QueryLine, { one: "query", many: "queries", idField: "_id", id: (line) => line._id });
  return queries.map(({ _id, text }) => ({ id: _id, text }));
}

export async function readQrels(path: string): Promise<Qrels> {
  const qrels = new Map<string, Map<string, number>>();
  const lines = await readLines(path);
  const header = lines.find((line) => line.text.trim() !== "");
  if (!header || header.text.trim() !== QRELS_HEADER.join("\t")) {
    throw new UsageError(`${path}:${header?.number ?? 1}: expected the header "${QRELS_HEADER.join("\\t")}"`);
  }
  for (const { number, text } of lines) {
    if (number <= header.number || text.trim() === "") continue;
    const columns = text.trim().split("\t");
    if (columns.length !== QRELS_HEADER.length) {
      throw new UsageError(`${path}:${number}: expected ${QRELS_HEADER.length} tab-separated columns (${QRELS_HEADER.join(", ")}), found ${columns.length}`);
    }
    const { "query-id": queryId, "corpus-id": documentId, score } = parseLine(
      path,
      number,
      QrelsLine,
      Object.fromEntries(QRELS_HEADER.map((name, column) => [name, columns[column]])),
    );
    const judgments = qrels.get(queryId) ?? new Map<string, number>();
    judgments.set(documentId, score);
    qrels.set(queryId, judgments);
  }
  if (qrels.size === 0) throw new UsageError(`${path}: holds no relevance judgments`);
  return qrels;
}

/** What a JSONL file holds, for messages, and how its records are told apart. */
export interface JsonLinesKind<Line> {
  one: string;
  many: string;
  /** The field that identifies a record, as named in messages, and its value. */
  idField: string;
  id: (line: Line) => string;
  /** Ids that differ only in case are the same record (they name files). */
  caseInsensitive?: boolean;
}

/** Every record of a JSONL file, validated, in file order; a bad, duplicate or missing record is a usage error naming the line. */
export async function readJsonLines<Line>(path: string, schema: z.ZodType<Line, unknown>, kind: JsonLinesKind<Line>): Promise<Line[]> {
  const records: Line[] = [];
  const lineOfId = new Map<string, number>();
  for (const { number, text } of await readLines(path)) {
    if (text.trim() === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${path}:${number}: not valid JSON (${errorMessage(error)})`);
    }
    const record = parseLine(path, number, schema, json);
    const id = kind.id(record);
    const key = kind.caseInsensitive ? id.toLowerCase() : id;
    const earlier = lineOfId.get(key);
    if (earlier !== undefined) throw new UsageError(`${path}:${number}: duplicate ${kind.one} ${kind.idField} ${JSON.stringify(id)} (also on line ${earlier})`);
    lineOfId.set(key, number);
    records.push(record);
  }
  if (records.length === 0) throw new UsageError(`${path}: holds no ${kind.many}`);
  return records;
}

/** One value validated against `schema`; a failure is a usage error naming the file, line and field. */
function parseLine<Line>(path: string, number: number, schema: z.ZodType<Line, unknown>, value: unknown): Line {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  throw new UsageError(`${path}:${number}: ${where}${issue?.message ?? "invalid line"}`);
}

/** The file's lines, numbered from 1 (a trailing \r removed); an unreadable file is a usage error. */
export async function readLines(path: string): Promise<Array<{ number: number; text: string }>> {
  let content: string;
  try {
    content = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : errorMessage(error)}`);
  }
  return content.split("\n").map((text, index) => ({ number: index + 1, text: text.endsWith("\r") ? text.slice(0, -1) : text }));
}
