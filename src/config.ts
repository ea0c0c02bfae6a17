// One schema for every setting. Precedence: flags > environment > litreview.config.json in the
// working directory > the same file in the XDG config dir > defaults. Every value from outside is
// validated here, and a bad one is reported naming the setting, where it came from, and what is allowed.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { z } from "zod";
import { UsageError } from "./errors.js";

const wholeNumber = (min: number, max: number, fallback: number) =>
  z
    .int()
    .min(min)
    .max(max)
    .default(fallback)
    .describe(`a whole number from ${min} to ${max}`);

/** A source's base URL, without a trailing slash (so paths can be appended). */
const baseUrl = (fallback: string) =>
  z
    .url({ protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ""))
    .default(fallback)
    .describe("an http(s) URL");

/** The scholarly APIs `ask` and `search` can query. */
export const SEARCH_SOURCES = ["europepmc", "pubmed", "openalex", "arxiv"] as const;
export type SearchSource = (typeof SEARCH_SOURCES)[number];
export const SOURCE_LABELS: Record<SearchSource, string> = {
  europepmc: "Europe PMC",
  pubmed: "PubMed",
  openalex: "OpenAlex",
  arxiv: "arXiv",
};

export const ConfigSchema = z
  .object({
    library: z.array(z.string().min(1)).default([]).describe("one or more file or directory paths"),
    format: z.enum(["markdown", "json"]).default("markdown").describe("markdown or json"),
    out: z.string().min(1).optional().describe("a file path"),
    llm: z.boolean().default(true).describe("true or false"),
    logLevel: z.enum(["debug", "info", "warn", "silent"]).default("info").describe("debug, info, warn or silent"),
    topK: wholeNumber(1, 500, 30),
    perPaperCap: wholeNumber(1, 100, 3),
    chunkSize: wholeNumber(200, 20_000, 1200),
    chunkOverlap: wholeNumber(0, 10_000, 200),
    findings: wholeNumber(1, 50, 8),
    maxQuestionLength: wholeNumber(10, 100_000, 4000),
    cacheDir: z.string().min(1).optional().describe("a directory path"),
    email: z.email().optional().describe("an e-mail address (sent to APIs that ask for a contact)"),
    europepmcUrl: baseUrl("https://www.ebi.ac.uk/europepmc/webservices/rest"),
    ncbiUrl: baseUrl("https://eutils.ncbi.nlm.nih.gov/entrez/eutils"),
    openalexUrl: baseUrl("https://api.openalex.org"),
    arxivUrl: baseUrl("https://export.arxiv.org/api"),
    arxivPdfUrl: baseUrl("https://arxiv.org/pdf"),
    unpaywallUrl: baseUrl("https://api.unpaywall.org/v2"),
    sources: z
      .array(z.enum(SEARCH_SOURCES))
      .optional()
      .describe(`a comma-separated list of ${SEARCH_SOURCES.join(", ")}, or none (only --library)`),
    cache: z.boolean().default(true).describe("true or false"),
    offline: z.boolean().default(false).describe("true or false"),
    searchLimit: wholeNumber(1, 1000, 40),
    fetchLimit: wholeNumber(0, 200, 12),
    baseUrl: z.url({ protocol: /^https?$/ }).optional().describe("an http(s) URL of an OpenAI-compatible server"),
    model: z.string().min(1).optional().describe("a model name"),
    fastModel: z.string().min(1).optional().describe("a model name"),
    ollamaUrl: baseUrl("http://127.0.0.1:11434/v1"),
    llmConcurrency: wholeNumber(1, 64, 6),
    llmPrices: z
      .record(z.string().min(1), z.object({ input: z.number().min(0), output: z.number().min(0) }).strict())
      .default({})
      .describe('an object of model name → {"input", "output"} US dollars per million tokens'),
    depth: z.enum(["quick", "standard", "deep"]).default("standard").describe("quick, standard or deep"),
    maxIterations: wholeNumber(1, 20, 3),
    verify: z.boolean().default(true).describe("true or false"),
    length: z.enum(["short", "standard", "long"]).default("standard").describe("short, standard or long"),
    maxCost: z.number().min(0).optional().describe("a number of US dollars, e.g. 0.50"),
    maxLlmCalls: z.int().min(1).max(100_000).optional().describe("a whole number from 1 to 100000"),
    maxPapers: z.int().min(1).max(10_000).optional().describe("a whole number from 1 to 10000"),
    timeLimit: z.number().min(1).max(86_400).optional().describe("a number of seconds from 1 to 86400"),
  })
  .strict()
  .refine((config) => config.chunkOverlap < config.chunkSize / 2, {
    message: "chunkOverlap must be less than half of chunkSize",
    path: ["chunkOverlap"],
  });

export type Config = z.output<typeof ConfigSchema>;
export type ConfigKey = keyof Config;
export type ConfigInput = Partial<Record<ConfigKey, unknown>>;

/** How each setting is named on the command line and in the environment. */
export const SETTING_NAMES: Record<ConfigKey, { flag: string; env: string }> = {
  library: { flag: "--library", env: "LITREVIEW_LIBRARY" },
  format: { flag: "--format", env: "LITREVIEW_FORMAT" },
  out: { flag: "--out", env: "LITREVIEW_OUT" },
  llm: { flag: "--no-llm", env: "LITREVIEW_LLM" },
  logLevel: { flag: "--verbose/--quiet", env: "LITREVIEW_LOG_LEVEL" },
  topK: { flag: "--top-k", env: "LITREVIEW_TOP_K" },
  perPaperCap: { flag: "--per-paper-cap", env: "LITREVIEW_PER_PAPER_CAP" },
  chunkSize: { flag: "--chunk-size", env: "LITREVIEW_CHUNK_SIZE" },
  chunkOverlap: { flag: "--chunk-overlap", env: "LITREVIEW_CHUNK_OVERLAP" },
  findings: { flag: "--findings", env: "LITREVIEW_FINDINGS" },
  maxQuestionLength: { flag: "--max-question-length", env: "LITREVIEW_MAX_QUESTION_LENGTH" },
  cacheDir: { flag: "--cache-dir", env: "LITREVIEW_CACHE_DIR" },
  email: { flag: "--email", env: "LITREVIEW_EMAIL" },
  europepmcUrl: { flag: "--europepmc-url", env: "LITREVIEW_EUROPEPMC_URL" },
  ncbiUrl: { flag: "--ncbi-url", env: "LITREVIEW_NCBI_URL" },
  openalexUrl: { flag: "--openalex-url", env: "LITREVIEW_OPENALEX_URL" },
  arxivUrl: { flag: "--arxiv-url", env: "LITREVIEW_ARXIV_URL" },
  arxivPdfUrl: { flag: "--arxiv-pdf-url", env: "LITREVIEW_ARXIV_PDF_URL" },
  unpaywallUrl: { flag: "--unpaywall-url", env: "LITREVIEW_UNPAYWALL_URL" },
  sources: { flag: "--sources", env: "LITREVIEW_SOURCES" },
  cache: { flag: "--no-cache", env: "LITREVIEW_CACHE" },
  offline: { flag: "--offline", env: "LITREVIEW_OFFLINE" },
  searchLimit: { flag: "--search-limit", env: "LITREVIEW_SEARCH_LIMIT" },
  fetchLimit: { flag: "--fetch-limit", env: "LITREVIEW_FETCH_LIMIT" },
  baseUrl: { flag: "--base-url", env: "OPENAI_BASE_URL" },
  model: { flag: "--model", env: "LITREVIEW_MODEL" },
  fastModel: { flag: "--fast-model", env: "LITREVIEW_FAST_MODEL" },
  ollamaUrl: { flag: "--ollama-url", env: "LITREVIEW_OLLAMA_URL" },
  llmConcurrency: { flag: "--llm-concurrency", env: "LITREVIEW_LLM_CONCURRENCY" },
  llmPrices: { flag: "(config file only)", env: "LITREVIEW_LLM_PRICES" },
  depth: { flag: "--depth", env: "LITREVIEW_DEPTH" },
  maxIterations: { flag: "--max-iterations", env: "LITREVIEW_MAX_ITERATIONS" },
  verify: { flag: "--verify/--no-verify", env: "LITREVIEW_VERIFY" },
  length: { flag: "--length", env: "LITREVIEW_LENGTH" },
  maxCost: { flag: "--max-cost", env: "LITREVIEW_MAX_COST" },
  maxLlmCalls: { flag: "--max-llm-calls", env: "LITREVIEW_MAX_LLM_CALLS" },
  maxPapers: { flag: "--max-papers", env: "LITREVIEW_MAX_PAPERS" },
  timeLimit: { flag: "--time-limit", env: "LITREVIEW_TIME_LIMIT" },
};

const CONFIG_KEYS = Object.keys(SETTING_NAMES) as ConfigKey[];
export const CONFIG_FILE_NAME = "litreview.config.json";

export type ConfigOrigin = { kind: "flag" } | { kind: "env" } | { kind: "file"; path: string } | { kind: "item"; where: string } | { kind: "default" };

export interface ConfigSources {
  /** Values given on the command line (only those the user actually typed). */
  flags: ConfigInput;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Settings of one item of a batch, over the flags; `where` names the item in messages ("questions.jsonl line 3"). */
  item?: { settings: ConfigInput; where: string };
}

/** The config files that apply, lowest precedence first. */
export function configFilePaths(env: NodeJS.ProcessEnv, cwd: string): string[] {
  const xdgConfigHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return [join(xdgConfigHome, "litreview", CONFIG_FILE_NAME), join(cwd, CONFIG_FILE_NAME)];
}

/** Where HTTP responses are cached: the cacheDir setting, else $XDG_CACHE_HOME/litreview/http. */
export function httpCacheDir(config: Config, env: NodeJS.ProcessEnv): string {
  if (config.cacheDir) return config.cacheDir;
  const xdgCacheHome = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(xdgCacheHome, "litreview", "http");
}

export function resolveConfig(sources: ConfigSources): Config {
  const merged: ConfigInput = {};
  const origins = new Map<ConfigKey, ConfigOrigin>();
  const apply = (layer: ConfigInput, origin: ConfigOrigin) => {
    for (const key of CONFIG_KEYS) {
      if (layer[key] !== undefined) {
        merged[key] = layer[key];
        origins.set(key, origin);
      }
    }
  };
  for (const path of configFilePaths(sources.env, sources.cwd)) {
    const layer = readConfigFile(path);
    if (layer) apply(layer, { kind: "file", path });
  }
  apply(readEnvironment(sources.env), { kind: "env" });
  apply(sources.flags, { kind: "flag" });
  if (sources.item) apply(sources.item.settings, { kind: "item", where: sources.item.where });
  applyPresets(merged);

  const parsed = ConfigSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  const key = issue?.path[0];
  if (typeof key === "string" && isConfigKey(key)) {
    throw new UsageError(describeInvalidSetting(key, merged[key], origins.get(key) ?? { kind: "default" }, issue?.message));
  }
  throw new UsageError(`invalid configuration: ${issue?.message ?? "unknown problem"}`);
}

/** What each --depth means for the settings nobody set explicitly (Chain-of-Verification is off at quick). */
export const DEPTH_PRESETS = {
  quick: { maxIterations: 1, searchLimit: 20, fetchLimit: 6, topK: 15, verify: false },
  standard: { maxIterations: 3, searchLimit: 40, fetchLimit: 12, topK: 30, verify: true },
  deep: { maxIterations: 5, searchLimit: 100, fetchLimit: 30, topK: 50, verify: true },
} as const satisfies Record<string, ConfigInput>;

/** What each --length means for the extractive review's findings, when --findings is not set. */
export const LENGTH_PRESETS = {
  short: { findings: 4 },
  standard: { findings: 8 },
  long: { findings: 16 },
} as const satisfies Record<string, ConfigInput>;

function applyPresets(merged: ConfigInput): void {
  const depth = typeof merged.depth === "string" && merged.depth in DEPTH_PRESETS ? (merged.depth as keyof typeof DEPTH_PRESETS) : "standard";
  const length = typeof merged.length === "string" && merged.length in LENGTH_PRESETS ? (merged.length as keyof typeof LENGTH_PRESETS) : "standard";
  for (const [key, value] of Object.entries({ ...DEPTH_PRESETS[depth], ...LENGTH_PRESETS[length] }) as [ConfigKey, unknown][]) {
    if (merged[key] === undefined) merged[key] = value;
  }
}

function isConfigKey(key: string): key is ConfigKey {
  return (CONFIG_KEYS as string[]).includes(key);
}

function describeInvalidSetting(key: ConfigKey, value: unknown, origin: ConfigOrigin, detail?: string): string {
  const names = SETTING_NAMES[key];
  const where =
    origin.kind === "flag"
      ? names.flag
      : origin.kind === "env"
        ? names.env
        : origin.kind === "file"
          ? `"${key}" in ${origin.path}`
          : origin.kind === "item"
            ? `"${key}" in ${origin.where}`
            : key;
  const allowed = ConfigSchema.shape[key].description;
  const shown = JSON.stringify(value) ?? String(value);
  const crossField = detail && /must be/.test(detail) ? ` (${detail})` : "";
  return `invalid value for ${where}: ${shown}; allowed: ${allowed}${crossField}`;
}

function readConfigFile(path: string): ConfigInput | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UsageError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UsageError(`config file ${path} must hold a JSON object`);
  }
  const unknownKeys = Object.keys(value).filter((key) => !isConfigKey(key));
  if (unknownKeys.length > 0) {
    throw new UsageError(`config file ${path} has unknown setting "${unknownKeys[0]}"; known settings: ${CONFIG_KEYS.join(", ")}`);
  }
  return value as ConfigInput;
}

function readEnvironment(env: NodeJS.ProcessEnv): ConfigInput {
  const layer: ConfigInput = {};
  for (const key of CONFIG_KEYS) {
    const raw = env[SETTING_NAMES[key].env];
    if (raw !== undefined && raw !== "") layer[key] = coerceSettingText(key, raw);
  }
  return layer;
}

/**
 * Flags and environment variables arrive as text; turn them into the type the schema expects.
 * Text that does not fit is passed through unchanged so the schema reports it.
 */
export function coerceSettingText(key: ConfigKey, raw: string): unknown {
  const inner = ConfigSchema.shape[key].def.innerType;
  switch (inner.def.type) {
    case "array":
      if (key === "sources" && raw.trim().toLowerCase() === "none") return [];
      // Paths are separated like PATH; every other list by commas.
      return raw
        .split(key === "library" ? delimiter : ",")
        .map((part) => (key === "library" ? part : part.trim()))
        .filter((part) => part.length > 0);
    case "boolean":
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      return raw;
    case "number": {
      const value = Number(raw.trim());
      return raw.trim() !== "" && Number.isFinite(value) ? value : raw;
    }
    case "record":
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}
