// `litreview search "QUERY"`: run one query against a scholarly source and list the records.
import { Option, type Command } from "commander";
import { SEARCH_SOURCES, SOURCE_LABELS, type SearchSource } from "../config.js";
import { EXIT_OK, UsageError } from "../errors.js";
import { createLogger } from "../log.js";
import { openAccessQuery, searchSource } from "../sources/search.js";
import type { PaperRecord } from "../types.js";
import { createSourceContext } from "./http.js";
import { writeResult, type CliIo } from "./io.js";
import { addLoggingOptions, addNetworkOptions, configFromCommand, NETWORK_SETTINGS, parseNumberOption } from "./options.js";

interface SearchOptions {
  source: SearchSource;
  limit: string;
  format: "table" | "json";
  openAccess?: boolean;
}

export function registerSearchCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const search = program
    .command("search")
    .description("search a scholarly source and list the papers it finds")
    .argument("<query>", "the query, in the source's own syntax")
    .addOption(new Option("--source <source>", "where to search").choices([...SEARCH_SOURCES]).default("europepmc"))
    .option("--limit <n>", "at most this many records (default 25)", "25")
    .option("--open-access", "only papers with open-access full text")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"));
  addNetworkOptions(search);
  addLoggingOptions(search);
  search.action(async (query: string, options: SearchOptions, command: Command) => {
    const config = configFromCommand(command, io, NETWORK_SETTINGS);
    const logger = createLogger(config.logLevel, io.stderr);
    const limit = parseNumberOption("--limit", options.limit, { min: 1, max: 10_000, whole: true });
    if (query.trim() === "") throw new UsageError("the query is empty");
    const sources = createSourceContext(config, io, logger);
    try {
      const sent = options.openAccess ? openAccessQuery(options.source, query) : query;
      const result = await searchSource(sources, options.source, sent, limit);
      // Sources without an open-access query filter are filtered here, on their records' own flag.
      const records = options.openAccess ? result.records.filter((record) => record.openAccess === true) : result.records;
      logger.info(`${SOURCE_LABELS[options.source]}: ${result.hitCount} hit(s); showing ${records.length}`);
      const output = options.format === "json" ? `${JSON.stringify(records, null, 2)}\n` : formatTable(records);
      await writeResult(output, undefined, io.stdout);
    } finally {
      await sources.http.close();
    }
    setExitCode(EXIT_OK);
  });
}

function formatTable(records: PaperRecord[]): string {
  const rows = records.map((record) =>
    [record.year ?? "", record.id, record.openAccess ? "OA" : "", record.title.slice(0, 100)].join("\t"),
  );
  return `${["year", "id", "access", "title"].join("\t")}\n${rows.map((row) => `${row}\n`).join("")}`;
}
