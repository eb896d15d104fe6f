/**
 * Errors a user can act on. Every failure the CLI reports is one of these: one line saying
 * what went wrong, one saying what to do. Anything else is a bug and shows a stack with --debug.
 */
/**
 * Marks CliErrors across bundles: a command handler loaded from its own bundle (see
 * cli/framework/handler-bundle.ts) has its own copy of this class, so `instanceof` at the
 * CLI's top level cannot recognise its errors; the registered symbol can.
 */
const CLI_ERROR = Symbol.for('linode-build.CliError');

export class CliError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly [CLI_ERROR] = true;

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

/** A CliError from this bundle or from a handler bundle. */
export function isCliError(error: unknown): error is CliError {
  return (
    typeof error === 'object' && error !== null && (error as { [CLI_ERROR]?: unknown })[CLI_ERROR] === true
  );
}
