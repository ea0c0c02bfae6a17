// Ctrl-C and `kill` during a run: the first SIGINT/SIGTERM aborts the run's AbortSignal so work in
// flight stops and no new work starts, while file writes already under way finish (they are atomic).
// A second signal exits at once; atomic writes mean no file is left truncated even then.

/** The conventional exit codes: 128 + the signal number. */
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof EXIT_CODES;

export interface Interruption {
  /** Aborted at the first signal. */
  readonly signal: AbortSignal;
  /** 130 or 143 once a signal has arrived, else undefined. */
  readonly exitCode: number | undefined;
  /** Stop listening: later signals get Node's default behaviour again. */
  dispose(): void;
}

export function listenForInterrupt(): Interruption {
  const controller = new AbortController();
  let exitCode: number | undefined;
  const handlers = new Map<HandledSignal, () => void>();
  for (const name of Object.keys(EXIT_CODES) as HandledSignal[]) {
    const handler = () => {
      if (exitCode !== undefined) process.exit(exitCode);
      exitCode = EXIT_CODES[name];
      controller.abort(new InterruptedError(name));
    };
    handlers.set(name, handler);
    process.on(name, handler);
  }
  return {
    signal: controller.signal,
    get exitCode() {
      return exitCode;
    },
    dispose() {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

/** The abort reason: what a cancelled request or stage throws. */
export class InterruptedError extends Error {
  override readonly name = "InterruptedError";
  constructor(signal: string) {
    super(`interrupted by ${signal}`);
  }
}
