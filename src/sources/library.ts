// The local library: papers the user already has, as files or folders of files. Every readable
// paper is loaded; a file that cannot be read is skipped with a warning and the run goes on.
import { createReadStream, type Dirent } from "node:fs";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";

import { z } from "zod";

import { UsageError, errorMessage } from "../errors.js";
import { parseJatsArticles } from "../fulltext/jats.js";
import { assemblePaper, cleanIds, normaliseWhitespace, parseAuthorList, parseYear } from "../fulltext/paper.js";
import { parsePdf } from "../fulltext/pdf.js";
import { parseMarkdown, parsePlainText } from "../fulltext/text.js";
import type { Logger } from "../log.js";
import type { Author, LoadedPaper } from "../types.js";

export interface SkippedFile {
  /** The file as the user would find it (library argument joined with the path inside it), `:line` for a corpus line. */
  path: string;
  reason: string;
}

export interface LibraryLoadResult {
  /** In path order; a paper whose record id was already loaded is left out (the first is kept). */
  papers: LoadedPaper[];
  /** Files (or corpus lines) that could not be read, each also logged as a warning. */
  skipped: SkippedFile[];
  /** Files looked at (hidden files and folders are not counted). */
  filesSeen: number;
}

/** Largest single article read; corpus files (`.jsonl`) are streamed and only their lines are capped. */
export const MAX_ARTICLE_BYTES = 64 * 1024 * 1024;

type FileFormat = "jats" | "markdown" | "text" | "jsonl" | "pdf";

const FORMAT_BY_EXTENSION: Record<string, FileFormat> = {
  ".xml": "jats",
  ".nxml": "jats",
  ".md": "markdown",
  ".markdown": "markdown",
  ".txt": "text",
  ".jsonl": "jsonl",
  ".pdf": "pdf",
};

const IGNORED_DIRECTORIES = new Set(["node_modules"]);

interface LibraryFile {
  absolutePath: string;
  /** Path shown to the user. */
  displayPath: string;
  /** Path inside its library root (forward slashes); the basis of `local:` ids. */
  origin: string;
}

/**
 * Load every paper under `paths` (folders are searched recursively, in sorted order). A path that
 * does not exist is a usage error; unreadable files are skipped with a warning.
 */
export async function loadLibrary(paths: string[], logger: Logger): Promise<LibraryLoadResult> {
  const files: LibraryFile[] = [];
  for (const root of paths) files.push(...(await listLibraryFiles(root, logger)));

  const result: LibraryLoadResult = { papers: [], skipped: [], filesSeen: 0 };
  const loadedFiles = new Set<string>();
  const fileByOrigin = new Map<string, string>();
  const firstSourceById = new Map<string, string>();

  // `skipped` lists what could not be read; unsupported file types and duplicates are only logged.
  const skip = (where: string, reason: string, level: "warn" | "debug" = "warn"): void => {
    result.skipped.push({ path: where, reason });
    logger[level]({ file: where }, `skipping library file: ${reason}`);
  };
  const keep = (paper: LoadedPaper, where: string): void => {
    const first = firstSourceById.get(paper.record.id);
    if (first !== undefined) {
      logger.debug({ file: where, id: paper.record.id }, `duplicate paper, keeping ${first}`);
      return;
    }
    firstSourceById.set(paper.record.id, where);
    result.papers.push(paper);
  };

  for (const file of files) {
    // The same file reached twice (a folder and a file inside it, or through a symlink) is read once.
    const identity = await realpath(file.absolutePath).catch(() => file.absolutePath);
    if (loadedFiles.has(identity)) continue;
    loadedFiles.add(identity);
    result.filesSeen += 1;

    // Two roots can hold the same relative path; the second file then keeps its absolute path as id.
    const owner = fileByOrigin.get(file.origin);
    const origin = owner === undefined || owner === file.absolutePath ? file.origin : file.absolutePath;
    fileByOrigin.set(origin, file.absolutePath);

    const extension = path.extname(file.absolutePath).toLowerCase();
    const format = FORMAT_BY_EXTENSION[extension];
    if (format === undefined) {
      logger.debug({ file: file.displayPath }, `ignoring library file of unsupported type (${extension || "no extension"})`);
      continue;
    }
    try {
      if (format === "jsonl") {
        await readCorpus(file, origin, keep, skip, logger);
      } else if (format === "pdf") {
        keep(await parsePdf(await readArticleBytes(file.absolutePath), origin), file.displayPath);
      } else {
        const text = await readArticleText(file.absolutePath);
        for (const paper of parseArticle(format, text, origin)) keep(paper, file.displayPath);
      }
    } catch (error) {
      skip(file.displayPath, errorMessage(error));
    }
  }
  logger.debug(
    { papers: result.papers.length, skipped: result.skipped.length, files: result.filesSeen },
    "library loaded",
  );
  return result;
}

function parseArticle(format: Exclude<FileFormat, "jsonl" | "pdf">, text: string, origin: string): LoadedPaper[] {
  switch (format) {
    case "jats":
      return parseJatsArticles(text, origin);
    case "markdown":
      return [parseMarkdown(text, origin)];
    case "text":
      return [parsePlainText(text, origin)];
  }
}

/** The files under one library argument, sorted by their path inside it. */
async function listLibraryFiles(root: string, logger: Logger): Promise<LibraryFile[]> {
  const absoluteRoot = path.resolve(root);
  const rootStat = await stat(absoluteRoot).catch(() => undefined);
  if (!rootStat) throw new UsageError(`library path not found: ${root}`);
  if (!rootStat.isDirectory()) {
    return [{ absolutePath: absoluteRoot, displayPath: root, origin: path.basename(absoluteRoot) }];
  }

  const files: LibraryFile[] = [];
  const visitedDirectories = new Set<string>();
  const walk = async (directory: string): Promise<void> => {
    // Symlinked folders are followed, but each real folder once, so a link loop ends.
    const real = await realpath(directory);
    if (visitedDirectories.has(real)) return;
    visitedDirectories.add(real);

    let entries: Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      logger.warn({ file: displayPathOf(root, absoluteRoot, directory) }, `skipping library folder: ${errorMessage(error)}`);
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const entryPath = path.join(directory, entry.name);
      const isDirectory = entry.isDirectory() || (entry.isSymbolicLink() && (await isDirectoryTarget(entryPath)));
      if (isDirectory) {
        if (!IGNORED_DIRECTORIES.has(entry.name)) await walk(entryPath);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        const origin = path.relative(absoluteRoot, entryPath).split(path.sep).join("/");
        files.push({ absolutePath: entryPath, displayPath: displayPathOf(root, absoluteRoot, entryPath), origin });
      }
    }
  };
  await walk(absoluteRoot);
  return files.sort((a, b) => (a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : 0));
}

function displayPathOf(root: string, absoluteRoot: string, absolutePath: string): string {
  return path.join(root, path.relative(absoluteRoot, absolutePath));
}

async function isDirectoryTarget(linkPath: string): Promise<boolean> {
  const target = await stat(linkPath).catch(() => undefined);
  return target?.isDirectory() ?? false;
}

/** The file as UTF-8 text; throws a readable reason for files that are too large, binary or not UTF-8. */
async function readArticleText(filePath: string): Promise<string> {
  return decodeUtf8(await readArticleBytes(filePath));
}

/** The file's bytes; throws a readable reason for a file that is too large. */
async function readArticleBytes(filePath: string): Promise<Buffer> {
  const { size } = await stat(filePath);
  if (size > MAX_ARTICLE_BYTES) {
    throw new Error(`file is larger than ${MAX_ARTICLE_BYTES / (1024 * 1024)} MB`);
  }
  return readFile(filePath);
}

function decodeUtf8(bytes: Uint8Array, decoder = new TextDecoder("utf-8", { fatal: true }), stream = false): string {
  if (bytes.includes(0)) throw new Error("binary content (NUL bytes), not a text file");
  try {
    return decoder.decode(bytes, { stream });
  } catch {
    throw new Error("binary content (not valid UTF-8 text)");
  }
}

// One line of a BEIR-style corpus. Metadata fields of the wrong shape are ignored, not fatal.
const corpusMetadataSchema = z
  .object({
    title: z.string().optional().catch(undefined),
    pmid: z.union([z.string(), z.number()]).optional().catch(undefined),
    pmcid: z.union([z.string(), z.number()]).optional().catch(undefined),
    doi: z.string().optional().catch(undefined),
    year: z.unknown().transform(parseYear).optional(),
    journal: z.string().optional().catch(undefined),
    authors: z
      .union([z.string(), z.array(z.union([z.string(), z.object({ name: z.string() })]))])
      .optional()
      .catch(undefined),
  })
  .catch({ year: undefined });

// BEIR corpora always carry "title" (often empty); requiring it tells a corpus from a queries file.
const corpusLineSchema = z.object({
  _id: z.union([z.string().min(1), z.number()]).transform(String),
  title: z.string(),
  text: z.string(),
  metadata: corpusMetadataSchema.optional(),
});

type CorpusLine = z.infer<typeof corpusLineSchema>;

/** Malformed lines of one corpus file that are each named in a warning; the rest are counted. */
const MAX_LINE_WARNINGS = 10;

async function readCorpus(
  file: LibraryFile,
  origin: string,
  keep: (paper: LoadedPaper, where: string) => void,
  skip: (where: string, reason: string, level?: "warn" | "debug") => void,
  logger: Logger,
): Promise<void> {
  let lineNumber = 0;
  let malformed = 0;
  let kept = 0;
  try {
    for await (const line of corpusLines(file.absolutePath)) {
      lineNumber += 1;
      if (line.trim() === "") continue;
      const where = `${file.displayPath}:${lineNumber}`;
      const parsed = parseCorpusLine(line);
      if (typeof parsed !== "string") {
        keep(corpusPaper(parsed, origin), where);
        kept += 1;
        continue;
      }
      if (kept === 0 && malformed === 0) {
        // A first line that is not a corpus entry means the file is something else (e.g. BEIR queries).
        skip(file.displayPath, `not a BEIR corpus (line ${lineNumber}: ${parsed})`);
        return;
      }
      malformed += 1;
      skip(where, parsed, malformed <= MAX_LINE_WARNINGS ? "warn" : "debug");
    }
  } catch (error) {
    // Nothing read yet: the whole file is unreadable. Otherwise keep what came before the damage.
    if (lineNumber === 0) throw error;
    skip(`${file.displayPath}:${lineNumber + 1}`, `stopped reading the rest of the file: ${errorMessage(error)}`);
  }
  if (malformed > MAX_LINE_WARNINGS) {
    logger.warn({ file: file.displayPath }, `skipped ${malformed} malformed lines in all`);
  }
}

function parseCorpusLine(line: string): CorpusLine | string {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return `malformed line: ${errorMessage(error)}`;
  }
  const result = corpusLineSchema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  return `malformed line: ${issue ? `${issue.path.join(".") || "line"}: ${issue.message}` : "not a corpus entry"}`;
}

function corpusPaper(line: CorpusLine, origin: string): LoadedPaper {
  const metadata = line.metadata;
  const localId = `${origin}#${line._id}`;
  const text = normaliseWhitespace(line.text);
  return assemblePaper({
    localId,
    ids: cleanIds({ doi: metadata?.doi, pmid: metadata?.pmid, pmcid: metadata?.pmcid }),
    title: normaliseWhitespace(line.title) || normaliseWhitespace(metadata?.title ?? ""),
    authors: corpusAuthors(metadata?.authors),
    year: metadata?.year,
    journal: metadata?.journal,
    abstractSections: [{ path: ["Abstract"], paragraphs: [text] }],
    bodySections: [],
    noTextReason: "the corpus entry has no text",
  });
}

function corpusAuthors(authors: string | (string | { name: string })[] | undefined): Author[] {
  return parseAuthorList(Array.isArray(authors) ? authors.map((author) => (typeof author === "string" ? author : author.name)) : authors);
}

/** Lines of a UTF-8 file, streamed; throws on binary content like `readArticleText`. */
async function* corpusLines(filePath: string): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pending = "";
  for await (const chunk of createReadStream(filePath)) {
    pending += decodeUtf8(chunk as Buffer, decoder, true);
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    if (pending.length > MAX_ARTICLE_BYTES) throw new Error(`a line is longer than ${MAX_ARTICLE_BYTES / (1024 * 1024)} MB`);
    for (const line of lines) yield line.endsWith("\r") ? line.slice(0, -1) : line;
  }
  pending += decodeUtf8(new Uint8Array(), decoder);
  if (pending !== "") yield pending;
}
