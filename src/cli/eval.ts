// `litreview eval retrieval`: measure ranking quality on a BEIR-format collection with exactly the
// index, tokenizer and fusion that `ask` uses. `eval litqa2` and `eval pubmedqa` (./eval-litqa2.ts,
// ./eval-pubmedqa.ts) measure the answers of the whole pipeline.
import type { Command } from "commander";
import { EXIT_OK } from "../errors.js";
import { loadBeirCollection } from "../eval/beir.js";
import { evaluateRetrieval, type RetrievalMetrics } from "../eval/retrieval.js";
import { createLogger } from "../log.js";
import { writeResult, type CliIo } from "./io.js";
import { registerLitqa2Command } from "./eval-litqa2.js";
import { registerPubmedqaCommand } from "./eval-pubmedqa.js";
import { addLoggingOptions, configFromCommand, parseNumberOption } from "./options.js";

export function registerEvalCommand(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const evaluate = program.command("eval").description("measure retrieval and answer quality on benchmark data");
  const retrieval = evaluate
    .command("retrieval")
    .description("rank a BEIR-format corpus for each query and report recall, MRR and nDCG")
    .requiredOption("--corpus <file>", "corpus.jsonl: one {\"_id\", \"title\", \"text\"} per line")
    .requiredOption("--queries <file>", "queries.jsonl: one {\"_id\", \"text\"} per line")
    .requiredOption("--qrels <file>", "qrels TSV with a header: query-id, corpus-id, score")
    .option("--k <n>", "cut-off for recall@k, MRR@k and nDCG@k (default 10)", "10")
    .option("--json", "print the metrics as one JSON object on stdout");
  addLoggingOptions(retrieval);
  retrieval.action(async (options: { corpus: string; queries: string; qrels: string; k: string; json?: boolean }, command: Command) => {
    const config = configFromCommand(command, io);
    const logger = createLogger(config.logLevel, io.stderr);
    const k = parseNumberOption("--k", options.k, { min: 1, max: 1000, whole: true });
    const collection = await loadBeirCollection({ corpus: options.corpus, queries: options.queries, qrels: options.qrels });
    logger.info(`evaluating ${collection.queries.length} queries over ${collection.corpus.length} documents`);
    const metrics = evaluateRetrieval({ ...collection, k });
    await writeResult(options.json ? `${JSON.stringify(metrics)}\n` : formatMetricsTable(metrics), undefined, io.stdout);
    setExitCode(EXIT_OK);
  });
  registerLitqa2Command(evaluate, io, setExitCode);
  registerPubmedqaCommand(evaluate, io, setExitCode);
}

function formatMetricsTable(metrics: RetrievalMetrics): string {
  const rows = Object.entries(metrics).map(([name, value]) => `${name.padEnd(12)} ${Number.isInteger(value) ? value : value.toFixed(4)}`);
  return `${rows.join("\n")}\n`;
}
