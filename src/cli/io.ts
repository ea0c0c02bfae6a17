// The edges of the CLI: where the question comes from and where the result goes.
import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { RunError, UsageError } from "../errors.js";
import { normaliseWhitespace } from "../fulltext/paper.js";

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function defaultIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

/**
 * The question from the argument, or from stdin when it is "-". Whitespace is normalised;
 * empty and over-long questions are usage errors. Stdin is read only up to a bound so that an
 * enormous input cannot exhaust memory.
 */
export async function readQuestion(argument: string, stdin: NodeJS.ReadableStream, maxLength: number): Promise<string> {
  const raw = argument === "-" ? await readBounded(stdin, maxLength * 4 + 1024) : { text: argument, truncated: false };
  const question = normaliseWhitespace(raw.text);
  if (!raw.truncated && question.length === 0) {
    throw new UsageError(argument === "-" ? "the question read from stdin is empty" : "the question is empty");
  }
  if (raw.truncated || question.length > maxLength) {
    const size = raw.truncated ? `more than ${maxLength * 4} bytes` : `${question.length} characters`;
    throw new UsageError(`the question is too long (${size}; the limit is ${maxLength} characters, see --max-question-length)`);
  }
  return question;
}

async function readBounded(stream: NodeJS.ReadableStream, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(buffer);
    size += buffer.length;
    if (size > maxBytes) return { text: "", truncated: true };
  }
  return { text: Buffer.concat(chunks).toString("utf8"), truncated: false };
}

/** Write the result to a file (atomically: a reader never sees half a review) or to stdout. */
export async function writeResult(text: string, outPath: string | undefined, stdout: NodeJS.WritableStream): Promise<void> {
  if (outPath === undefined) {
    await writeToStream(stdout, text);
    return;
  }
  await writeFileAtomic(outPath, text);
}

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, text, "utf8");
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new RunError(`cannot write ${path}: ${describeFsError(error)}`);
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOSPC") return "no space left on device";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOENT") return "the directory does not exist";
  if (code === "EISDIR") return "it is a directory";
  return error instanceof Error ? error.message : String(error);
}

function writeToStream(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => {
      // A closed pipe (`litreview ask … | head`) is the reader's choice, not a failure.
      if (error && (error as NodeJS.ErrnoException).code !== "EPIPE") reject(error);
      else resolve();
    });
  });
}
