// `litreview cache info|clear`: look at and empty the HTTP response cache.
import type { Command } from "commander";
import { httpCacheDir } from "../config.js";
import { EXIT_OK } from "../errors.js";
import { CACHE_KINDS, cacheInfo, clearCache } from "../http/cache.js";
import { writeResult, type CliIo } from "./io.js";
import { addCacheDirOption, addLoggingOptions, configFromCommand, parseNumberOption } from "./options.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const OLDER_THAN_DAYS = { min: 0, max: Number.MAX_SAFE_INTEGER, whole: false, allowed: "a number of days, 0 or more" };

export function registerCacheCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const cache = program.command("cache").description("inspect or clear the cache of HTTP responses");
  const info = cache
    .command("info")
    .description("show where the cache is and how much it holds")
    .option("--json", "print one JSON object");
  addCacheDirOption(info);
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
    .option("--older-than <days>", "only entries stored more than this many days ago");
  addCacheDirOption(clear);
  addLoggingOptions(clear);
  clear.action(async (options: { olderThan?: string }, command: Command) => {
    const dir = httpCacheDir(configFromCommand(command, io), io.env);
    const olderThanMs =
      options.olderThan === undefined ? undefined : parseNumberOption("--older-than", options.olderThan, OLDER_THAN_DAYS) * DAY_MS;
    const result = await clearCache(dir, olderThanMs === undefined ? {} : { olderThanMs });
    await writeResult(`removed ${result.removed} cached response(s), ${formatBytes(result.bytes)}, from ${dir}\n`, undefined, io.stdout);
    setExitCode(EXIT_OK);
  });
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
