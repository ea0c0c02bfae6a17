// `litreview fetch FILE`: parse one article (JATS/NLM XML, Markdown or text) and print what was read.
import { Option, type Command } from "commander";
import { EXIT_OK, RunError, UsageError } from "../errors.js";
import { createLogger } from "../log.js";
import { renderDocumentMarkdown } from "../review/document-markdown.js";
import { fetchEuropePmcFullText } from "../sources/europepmc.js";
import { loadLibrary } from "../sources/library.js";
import type { LoadedPaper } from "../types.js";
import { createSourceContext } from "./http.js";
import { writeResult, type CliIo } from "./io.js";
import { addLoggingOptions, addNetworkOptions, configFromCommand, NETWORK_SETTINGS } from "./options.js";

export function registerFetchCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const fetch = program
    .command("fetch")
    .description("read one article (a PMCID or a local file) and print its metadata and sections")
    .argument("<source>", "a PMCID (open-access full text from Europe PMC), or a local JATS/NLM XML, Markdown or text file")
    .addOption(new Option("--format <format>", "output format").choices(["md", "json"]).default("md"))
    .option("--out <file>", "write to this file instead of stdout");
  addNetworkOptions(fetch);
  addLoggingOptions(fetch);
  fetch.action(async (file: string, options: { format: "md" | "json"; out?: string }, command: Command) => {
    // Its --format and --out are fetch's own, not the review settings of the same name.
    const config = configFromCommand(command, io, NETWORK_SETTINGS);
    const logger = createLogger(config.logLevel, io.stderr);
    if (/^PMC\d+$/i.test(file)) {
      const sources = createSourceContext(config, io, logger);
      try {
        const paper = await fetchEuropePmcFullText(sources, file.toUpperCase());
        await writeResult(renderPaper(paper, options.format), options.out, io.stdout);
      } finally {
        await sources.http.close();
      }
      setExitCode(EXIT_OK);
      return;
    }
    if (/^(\d+|10\.\d{4,}\/\S+|arxiv:\S+)$/i.test(file)) {
      throw new UsageError(`fetching by PMID, DOI or arXiv id (${file}) is not available yet; give a PMCID or a local file`);
    }
    const { papers, skipped } = await loadLibrary([file], logger);
    const [paper, ...others] = papers;
    if (!paper) throw new RunError(`could not read an article from ${file}${skipped[0] ? `: ${skipped[0].reason}` : ""}`);
    if (others.length > 0) throw new UsageError(`${file} holds ${papers.length} papers; fetch reads one article`);
    await writeResult(renderPaper(paper, options.format), options.out, io.stdout);
    setExitCode(EXIT_OK);
  });
}

function renderPaper(paper: LoadedPaper, format: "md" | "json"): string {
  return format === "json" ? `${JSON.stringify(paper, null, 2)}\n` : renderDocumentMarkdown(paper);
}
