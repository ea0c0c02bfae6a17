import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, onTestFinished } from "vitest";
import { checkCliReviews } from "./review-citations.js";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/litreview.js", import.meta.url));
const NETWORK_GUARD = fileURLToPath(new URL("../setup/network-guard.mjs", import.meta.url));

/** `ask` keeps its run directories here ($XDG_STATE_HOME), not in the user's own; removed after the test file. */
export const TEST_STATE_HOME = mkdtempSync(join(tmpdir(), "litreview-test-state-"));
afterAll(() => rmSync(TEST_STATE_HOME, { recursive: true, force: true }));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** The environment of the CLI under test: no user config or state, the network guard loaded, `env` over it. */
function cliEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    XDG_CONFIG_HOME: "/nonexistent-litreview-test-config",
    XDG_STATE_HOME: TEST_STATE_HOME,
    NODE_OPTIONS: `--import ${NETWORK_GUARD}`,
    // A closed local port, so no test finds a real local model server (Ollama) by accident.
    LITREVIEW_OLLAMA_URL: "http://127.0.0.1:9/v1",
    ...env,
  };
}

/** Run the BUILT command line as a user would, with the network guard loaded into it. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: cliEnv(options.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (data: string) => (stdout += data));
    child.stderr.setEncoding("utf8").on("data", (data: string) => (stderr += data));
    child.on("error", reject);
    child.on("close", (code) => {
      try {
        checkCliReviews(args, options.cwd ?? REPO_ROOT, stdout);
      } catch (error) {
        reject(error as Error);
        return;
      }
      resolve({ code, stdout, stderr });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.stdin ?? "");
  });
}

/** The built CLI as a child process we can signal (killed when the test finishes), with the same environment as runCli. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: cliEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  onTestFinished(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let stdout = "";
  let stderr = "";
  const lineWaiters: { count: number; resolve: () => void }[] = [];
  const stderrWaiters: { text: string; resolve: () => void }[] = [];
  child.stdout.setEncoding("utf8").on("data", (data: string) => {
    stdout += data;
    const lines = stdout.split("\n").length - 1;
    for (const waiter of lineWaiters.filter((candidate) => lines >= candidate.count)) waiter.resolve();
  });
  child.stderr.setEncoding("utf8").on("data", (data: string) => {
    stderr += data;
    for (const waiter of stderrWaiters.filter((candidate) => stderr.includes(candidate.text))) waiter.resolve();
  });
  const exited = new Promise<CliResult>((resolve, reject) =>
    child.on("close", (code) => {
      try {
        checkCliReviews(args, REPO_ROOT, stdout);
      } catch (error) {
        reject(error as Error);
        return;
      }
      resolve({ code, stdout, stderr });
    }),
  );
  return {
    child,
    exited,
    /** Resolves once `count` lines have been printed on stdout. */
    linesPrinted: (count: number) => new Promise<void>((resolve) => lineWaiters.push({ count, resolve })),
    /** Resolves once stderr contains `text`. */
    logged: (text: string) => new Promise<void>((resolve) => stderrWaiters.push({ text, resolve })),
  };
}
