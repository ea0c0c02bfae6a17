import { pino, type Logger as PinoLogger } from "pino";

export type Logger = PinoLogger;
export type LogLevel = "debug" | "info" | "warn" | "silent";

/**
 * Logs go to stderr only: stdout carries the result. Lines are short and human-readable
 * (`litreview: warn: ...`) rather than raw JSON, because the reader is a person at a terminal.
 */
export function createLogger(level: LogLevel, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: false,
      formatters: { level: (label) => ({ level: label }) },
    },
    {
      write(line: string) {
        destination.write(formatLogLine(line));
      },
    },
  );
}

const LEVEL_NAMES = new Set(["debug", "info", "warn", "error", "fatal", "trace"]);

/** Turn one pino JSON line into `litreview: <level>: <msg> key=value ...`. */
export function formatLogLine(jsonLine: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine;
  }
  const { level, msg, ...fields } = entry;
  const levelName = typeof level === "string" && LEVEL_NAMES.has(level) ? level : "info";
  const extras = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  const prefix = levelName === "info" ? "litreview:" : `litreview: ${levelName}:`;
  return `${prefix} ${String(msg ?? "")}${extras ? ` (${extras})` : ""}\n`;
}
