// `litreview fetch ID|FILE`: read one article — by PMCID, PMID, DOI or arXiv id from the open-access
// sources, or from a local JATS/NLM XML, PDF, Markdown or text file — and print what was read.
import { existsSync } from "node:fs";
import { Option, type Command } from "commander";
import { EXIT_OK, RunError, UsageError } from "../errors.js";
import { createLogger, type Logger } from "../log.js";
import { renderDocumentMarkdown } from "../review/document-markdown.js";
import { fetchFullText } from "../sources/full-text.js";
import { loadLibrary } from "../sources/library.js";
import { parsePaperIdentifier, resolvePaper } from "../sources/resolve.js";
import type { LoadedPaper } from "../types.js";
import { createSourceContext } from "./http.js";
import { writeResult, type CliIo } from "./io.js";
import { addLoggingOptions, addNetworkOptions, configFromCommand, NETWORK_SETTINGS } from "./options.js";

export function registerFetchCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const fetch = program
    .command("fetch")
    .description("read one article (by identifier, or a local file) and print its metadata and sections")
    .argument("<id-or-file>", "a PMCID, PMID, DOI or arXiv id (open-access full text where it exists), or a local JATS/NLM XML, PDF, Markdown or text file")
    .addOption(new Option("--format <format>", "output format").choices(["md", "json"]).default("md"))
    .option("--out <file>", "write to this file instead of stdout");
  addNetworkOptions(fetch);
  addLoggingOptions(fetch);
  fetch.action(async (target: string, options: { format: "md" | "json"; out?: string }, command: Command) => {
    // Its --format and --out are fetch's own, not the review settings of the same name.
    const config = configFromCommand(command, io, NETWORK_SETTINGS);
    const logger = createLogger(config.logLevel, io.stderr);
    const identifier = existsSync(target) ? undefined : parsePaperIdentifier(target);
    let paper: LoadedPaper;
    if (identifier) {
      const sources = createSourceContext(config, io, logger);
      try {
        const record = await resolvePaper(sources, identifier);
        const result = await fetchFullText(sources, record);
        paper = result.paper;
      } finally {
        await sources.http.close();
      }
      if (paper.document.access === "unavailable") {
        throw new RunError(`could not read ${identifier.value}: ${paper.document.accessReason ?? "no source has it"}`);
      }
      if (paper.document.access === "abstract-only") logger.warn(`only the abstract of ${identifier.value} is available: ${paper.document.accessReason ?? ""}`);
    } else {
      if (!existsSync(target)) {
        throw new UsageError(`${target} is neither a file nor a PMCID, PMID, DOI or arXiv id`);
      }
      paper = await readLocalArticle(target, logger);
    }
    await writeResult(options.format === "json" ? `${JSON.stringify(paper, null, 2)}\n` : renderDocumentMarkdown(paper), options.out, io.stdout);
    setExitCode(EXIT_OK);
  });
}

async function readLocalArticle(file: string, logger: Logger): Promise<LoadedPaper> {
  const { papers, skipped } = await loadLibrary([file], logger);
  const [paper, ...others] = papers;
  if (!paper) throw new RunError(`could not read an article from ${file}${skipped[0] ? `: ${skipped[0].reason}` : ""}`);
  if (others.length > 0) throw new UsageError(`${file} holds ${papers.length} papers; fetch reads one article`);
  return paper;
}
