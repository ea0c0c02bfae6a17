// `litreview cache info|clear`: look at and empty the HTTP response cache.
import type { Command } from "commander";
import { httpCacheDir } from "../config.js";
import { EXIT_OK, UsageError } from "../errors.js";
import { CACHE_KINDS, cacheInfo, clearCache } from "../http/cache.js";
import { writeResult, type CliIo } from "./io.js";
import { addLoggingOptions, configFromCommand } from "./options.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export function registerCacheCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const cache = program.command("cache").description("inspect or clear the cache of HTTP responses");
  const info = cache
    .command("info")
    .description("show where the cache is and how much it holds")
    .option("--cache-dir <dir>", "the cache directory (default $XDG_CACHE_HOME/litreview/http)")
    .option("--json", "print one JSON object");
  addLoggingOptions(info);
  info.action(async (options: { json?: boolean }, command: Command) => {
    const dir = httpCacheDir(configFromCommand(command, io), io.env);
    const summary = await cacheInfo(dir);
    const text = options.json
      ? `${JSON.stringify({ dir, ...summary })}\n`
      : [
          `cache: ${dir}`,
          `entries: ${summary.entries} (${formatBytes(summary.bytes)})`,
          ...CACHE_KINDS.map((kind) => `  ${kind}: ${summary.byKind[kind].entries} (${formatBytes(summary.byKind[kind].bytes)})`),
        ].join("\n") + "\n";
    await writeResult(text, undefined, io.stdout);
    setExitCode(EXIT_OK);
  });

  const clear = cache
    .command("clear")
    .description("delete cached responses")
    .option("--cache-dir <dir>", "the cache directory (default $XDG_CACHE_HOME/litreview/http)")
    .option("--older-than <days>", "only entries stored more than this many days ago");
  addLoggingOptions(clear);
  clear.action(async (options: { olderThan?: string }, command: Command) => {
    const dir = httpCacheDir(configFromCommand(command, io), io.env);
    const olderThanMs = options.olderThan === undefined ? undefined : parseDays(options.olderThan) * DAY_MS;
    const result = await clearCache(dir, olderThanMs === undefined ? {} : { olderThanMs });
    await writeResult(`removed ${result.removed} cached response(s), ${formatBytes(result.bytes)}, from ${dir}\n`, undefined, io.stdout);
    setExitCode(EXIT_OK);
  });
}

function parseDays(text: string): number {
  const days = Number(text);
  if (!Number.isFinite(days) || days < 0) {
    throw new UsageError(`invalid value for --older-than: ${JSON.stringify(text)}; allowed: a number of days, 0 or more`);
  }
  return days;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
