// Errors a user sees as one line. Anything else reaching the CLI is an internal error.

/** Bad flags, arguments, configuration or input paths: exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A run that could not produce its result (no readable input, unreadable data): exit code 1. */
export class RunError extends Error {
  override readonly name: string = "RunError";
}

/** The run found no paper at all to read (a result for an evaluation, a failure for a user). */
export class NoPapersError extends RunError {
  override readonly name = "NoPapersError";
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
