/**
 * Confirmation for commands that spend money or delete things: asked only on a terminal;
 * without one, the command fails naming --yes instead of waiting on a prompt nobody sees.
 */
import { createInterface } from 'node:readline/promises';
import { UsageError } from '../errors.js';

export interface ConsentOptions {
  readonly yes: boolean;
  readonly interactive: boolean;
  /** What will happen, e.g. "create 1 instance". */
  readonly action: string;
  readonly question: string;
  readonly input?: NodeJS.ReadableStream;
  readonly output?: NodeJS.WritableStream;
}

/** True to go ahead; false when the user declined. */
export async function obtainConsent(options: ConsentOptions): Promise<boolean> {
  if (options.yes) return true;
  if (!options.interactive) {
    throw new UsageError(
      `refusing to ${options.action} without confirmation, and there is no terminal to ask on.`,
      'Pass --yes to confirm.',
    );
  }
  const prompt = createInterface({
    input: options.input ?? process.stdin,
    output: options.output ?? process.stderr,
  });
  try {
    const answer = await prompt.question(`${options.question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
