// `litreview search "QUERY"`: run one query against a scholarly source and list the records.
import { Option, type Command } from "commander";
import { EXIT_OK, UsageError } from "../errors.js";
import { createLogger } from "../log.js";
import { searchEuropePmc } from "../sources/europepmc.js";
import type { PaperRecord } from "../types.js";
import { createSourceContext } from "./http.js";
import { writeResult, type CliIo } from "./io.js";
import { addLoggingOptions, addNetworkOptions, configFromCommand, NETWORK_SETTINGS, parseNumberOption } from "./options.js";

export function registerSearchCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const search = program
    .command("search")
    .description("search a scholarly source and list the papers it finds")
    .argument("<query>", "the query, in the source's own syntax")
    .addOption(new Option("--source <source>", "where to search (more sources are coming)").choices(["europepmc"]).default("europepmc"))
    .option("--limit <n>", "at most this many records (default 25)", "25")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"));
  addNetworkOptions(search);
  addLoggingOptions(search);
  search.action(async (query: string, options: { limit: string; format: "table" | "json" }, command: Command) => {
    const config = configFromCommand(command, io, NETWORK_SETTINGS);
    const logger = createLogger(config.logLevel, io.stderr);
    const limit = parseNumberOption("--limit", options.limit, { min: 1, max: 10_000, whole: true });
    if (query.trim() === "") throw new UsageError("the query is empty");
    const sources = createSourceContext(config, io, logger);
    try {
      const result = await searchEuropePmc(sources, query, limit);
      logger.info(`Europe PMC: ${result.hitCount} hits; showing ${result.records.length}`);
      const output = options.format === "json" ? `${JSON.stringify(result.records, null, 2)}\n` : formatTable(result.records);
      await writeResult(output, undefined, io.stdout);
    } finally {
      await sources.http.close();
    }
    setExitCode(EXIT_OK);
  });
}

function formatTable(records: PaperRecord[]): string {
  const rows = records.map((record) =>
    [record.year ?? "", record.ids.pmid ?? "", record.ids.pmcid ?? "", record.openAccess ? "OA" : "", record.title.slice(0, 100)].join("\t"),
  );
  return `${["year", "pmid", "pmcid", "access", "title"].join("\t")}\n${rows.join("\n")}\n`;
}
