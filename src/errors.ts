/**
 * Errors a user can act on. Every failure the CLI reports is one of these: one line saying
 * what went wrong, one saying what to do. Anything else is a bug and shows a stack with --debug.
 */
export class CliError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(message: string, hint?: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.hint = hint;
    this.exitCode = exitCode;
  }
}

/** Bad command-line usage: exit code 2. */
export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(message, hint, 2);
    this.name = 'UsageError';
  }
}

export function isCliError(error: unknown): error is CliError {
  return error instanceof CliError;
}
