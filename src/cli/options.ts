// Options shared by every command that runs the pipeline, and their translation into config input.
import { Option, type Command } from "commander";
import { coerceSettingText, resolveConfig, type Config, type ConfigInput, type ConfigKey } from "../config.js";
import type { CliIo } from "./io.js";

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Flags that shape the pipeline; each maps one-to-one to a config setting of the same name. */
export function addPipelineOptions(command: Command): Command {
  return command
    .option("--library <path>", "a directory or file of papers to search (repeatable)", collect)
    .option("--no-llm", "write an extractive review from quoted passages, without a language model")
    .option("--top-k <n>", "chunks kept after ranking (default 30)")
    .option("--per-paper-cap <n>", "at most this many top chunks from one paper (default 3)")
    .option("--chunk-size <n>", "target chunk size in characters (default 1200)")
    .option("--chunk-overlap <n>", "overlap between consecutive chunks in characters (default 200)");
}

export function addOutputOptions(command: Command): Command {
  return command
    .addOption(new Option("--format <format>", "output format").choices(["markdown", "json"]))
    .option("--out <file>", "write the result to this file instead of stdout");
}

export function addLoggingOptions(command: Command): Command {
  return command
    .option("--verbose", "log debugging detail to stderr (and stack traces on internal errors)")
    .option("--quiet", "log nothing to stderr except errors");
}

const FLAG_SETTINGS: ConfigKey[] = [
  "library",
  "format",
  "out",
  "llm",
  "topK",
  "perPaperCap",
  "chunkSize",
  "chunkOverlap",
  "findings",
  "maxQuestionLength",
  "cacheDir",
];

/**
 * Only the flags the user actually typed: defaults come from the config schema, not commander.
 * `settings` limits which flags are settings, for commands whose flags of the same name mean something else.
 */
export function flagsFromCommand(command: Command, settings: readonly ConfigKey[] = FLAG_SETTINGS): ConfigInput {
  const options = command.opts<Record<string, unknown>>();
  const flags: ConfigInput = {};
  for (const key of settings) {
    if (command.getOptionValueSource(key) !== "cli") continue;
    const value = options[key];
    flags[key] = typeof value === "string" ? coerceSettingText(key, value) : value;
  }
  if (options.verbose) flags.logLevel = "debug";
  else if (options.quiet) flags.logLevel = "silent";
  return flags;
}

export function configFromCommand(command: Command, io: CliIo, settings?: readonly ConfigKey[]): Config {
  return resolveConfig({ flags: flagsFromCommand(command, settings), env: io.env, cwd: io.cwd });
}
