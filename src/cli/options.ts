// Options shared by every command that runs the pipeline, and their translation into config input.
import { Option, type Command } from "commander";
import { coerceSettingText, resolveConfig, type Config, type ConfigInput, type ConfigKey } from "../config.js";
import { UsageError } from "../errors.js";
import type { CliIo } from "./io.js";

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Flags that shape the pipeline; each maps one-to-one to a config setting of the same name. */
export function addPipelineOptions(command: Command): Command {
  return command
    .option("--library <path>", "a directory or file of papers to search (repeatable)", collect)
    .option("--sources <list>", "scholarly APIs to search: europepmc,pubmed,openalex,arxiv or none (default europepmc,pubmed, plus openalex when OPENALEX_API_KEY is set)")
    .option("--search-limit <n>", "records taken from each query to each source (default 40)")
    .option("--fetch-limit <n>", "best candidates whose open-access full text is sought per round (default 12)")
    .addOption(new Option("--depth <depth>", "presets for rounds, search and fetch limits, top-k (default standard)").choices(["quick", "standard", "deep"]))
    .option("--base-url <url>", "OpenAI-compatible server (OPENAI_BASE_URL; key from OPENAI_API_KEY)")
    .option("--model <name>", "the model that plans, judges and writes (LITREVIEW_MODEL)")
    .option("--fast-model <name>", "a cheaper model for the many per-passage evidence calls (default: --model)")
    .option("--ollama-url <url>", "where to look for a local model server when none is configured (default http://127.0.0.1:11434/v1)")
    .option("--llm-concurrency <n>", "LLM calls in flight at once (default 6)")
    .option("--max-iterations <n>", "search rounds at most (default 3 at standard depth)")
    .option("--max-cost <usd>", "stop gathering once the LLM calls have cost this many US dollars")
    .option("--max-llm-calls <n>", "stop gathering after this many LLM requests")
    .option("--max-papers <n>", "read at most this many papers")
    .option("--time-limit <seconds>", "stop gathering after this long and answer from what was found")
    .option("--no-llm", "write an extractive review from quoted passages, without a language model")
    .option("--verify", "Chain-of-Verification: search the draft's key statements afresh and rebuild the review (default at standard and deep depth)")
    .option("--no-verify", "no Chain-of-Verification round (default at quick depth)")
    .addOption(new Option("--length <length>", "how long the review is: answer, findings, evidence shown (default standard)").choices(["short", "standard", "long"]))
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

/** The HTTP cache directory, for every command that reads or writes the cache. */
export function addCacheDirOption(command: Command): Command {
  return command.option("--cache-dir <dir>", "the HTTP cache directory (default $XDG_CACHE_HOME/litreview/http)");
}

/** Options of commands that call scholarly APIs. */
export function addNetworkOptions(command: Command): Command {
  return addCacheDirOption(command.option("--email <address>", "contact address sent to the APIs (LITREVIEW_EMAIL)"))
    .option("--no-cache", "neither read nor write the HTTP cache")
    .option("--offline", "make no network requests: answer only from the HTTP cache, failing clearly on a miss")
    .option("--europepmc-url <url>", "Europe PMC REST base URL (LITREVIEW_EUROPEPMC_URL)")
    .option("--ncbi-url <url>", "NCBI E-utilities base URL (LITREVIEW_NCBI_URL)")
    .option("--openalex-url <url>", "OpenAlex base URL (LITREVIEW_OPENALEX_URL)")
    .option("--arxiv-url <url>", "arXiv API base URL (LITREVIEW_ARXIV_URL)")
    .option("--arxiv-pdf-url <url>", "arXiv PDF base URL (LITREVIEW_ARXIV_PDF_URL)")
    .option("--unpaywall-url <url>", "Unpaywall base URL (LITREVIEW_UNPAYWALL_URL)");
}

/** The settings behind addNetworkOptions, for commands whose other flags are not settings. */
export const NETWORK_SETTINGS: readonly ConfigKey[] = [
  "email",
  "cacheDir",
  "cache",
  "offline",
  "europepmcUrl",
  "ncbiUrl",
  "openalexUrl",
  "arxivUrl",
  "arxivPdfUrl",
  "unpaywallUrl",
];

/** A numeric option of a command (not a config setting), checked with the same wording as settings. */
export function parseNumberOption(
  flag: string,
  text: string,
  range: { min: number; max: number; whole: boolean; allowed?: string },
): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < range.min || value > range.max || (range.whole && !Number.isInteger(value))) {
    const allowed = range.allowed ?? `${range.whole ? "a whole number" : "a number"} from ${range.min} to ${range.max}`;
    throw new UsageError(`invalid value for ${flag}: ${JSON.stringify(text)}; allowed: ${allowed}`);
  }
  return value;
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
  "sources",
  "searchLimit",
  "fetchLimit",
  "depth",
  "baseUrl",
  "model",
  "fastModel",
  "ollamaUrl",
  "llmConcurrency",
  "maxIterations",
  "verify",
  "length",
  "maxCost",
  "maxLlmCalls",
  "maxPapers",
  "timeLimit",
  ...NETWORK_SETTINGS,
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
