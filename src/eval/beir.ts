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
  const documents = await readJsonLines(path, CorpusLine, { one: "document", many: "documents" });
  return documents.map(({ _id, title, text }) => ({ id: _id, title: title ?? "", text }));
}

export async function readQueries(path: string): Promise<BeirQuery[]> {
  const queries = await readJsonLines(path, QueryLine, { one: "query", many: "queries" });
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

async function readJsonLines<Line extends { _id: string }>(
  path: string,
  schema: z.ZodType<Line, unknown>,
  kind: { one: string; many: string },
): Promise<Line[]> {
  const records: Line[] = [];
  const seen = new Set<string>();
  for (const { number, text } of await readLines(path)) {
    if (text.trim() === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${path}:${number}: not valid JSON (${errorMessage(error)})`);
    }
    const record = parseLine(path, number, schema, json);
    if (seen.has(record._id)) throw new UsageError(`${path}:${number}: duplicate ${kind.one} _id ${JSON.stringify(record._id)}`);
    seen.add(record._id);
    records.push(record);
  }
  if (records.length === 0) throw new UsageError(`${path}: holds no ${kind.many}`);
  return records;
}

/** One value validated against `schema`; a failure is a usage error naming the file, line and field. */
export function parseLine<Line>(path: string, number: number, schema: z.ZodType<Line, unknown>, value: unknown): Line {
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
