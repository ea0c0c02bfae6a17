// Entry point of the command line. stdout carries only results; messages go to stderr as one line.
import { Command, CommanderError } from "commander";
import { toolVersion } from "../context.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, RunError, UsageError, errorMessage } from "../errors.js";
import { normaliseWhitespace } from "../fulltext/paper.js";
import { registerAskCommand } from "./ask.js";
import { registerBatchCommand } from "./batch.js";
import { registerCacheCommand } from "./cache.js";
import { registerEvalCommand } from "./eval.js";
import { registerFetchCommand } from "./fetch.js";
import { registerSearchCommand } from "./search.js";
import { defaultIo, type CliIo } from "./io.js";

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  const verbose = argv.includes("--verbose");
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    return reportFailure(error, io, verbose);
  }
}

export function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command("litreview");
  program
    .description("Write cited scientific literature reviews from open scholarly sources and your own papers.")
    .version(toolVersion(), "-V, --version", "print the version and exit")
    .helpOption("-h, --help", "show help")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(`litreview: ${normaliseWhitespace(text)}\n`),
    });
  registerAskCommand(program, io, setExitCode);
  registerBatchCommand(program, io, setExitCode);
  registerEvalCommand(program, io, setExitCode);
  registerSearchCommand(program, io, setExitCode);
  registerFetchCommand(program, io, setExitCode);
  registerCacheCommand(program, io, setExitCode);
  return program;
}

function reportFailure(error: unknown, io: CliIo, verbose: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its one-line message (or the help/version text).
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT_OK;
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  const message = normaliseWhitespace(errorMessage(error));
  if (error instanceof UsageError) {
    io.stderr.write(`litreview: error: ${message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof RunError) {
    io.stderr.write(`litreview: error: ${message}\n`);
  } else {
    io.stderr.write(`litreview: internal error: ${message}${verbose ? "" : " (run with --verbose for details)"}\n`);
  }
  if (verbose && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return EXIT_FAILURE;
}
