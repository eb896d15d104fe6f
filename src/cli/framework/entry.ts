/**
 * What an entry bundle (src/cli/entries/*.ts) exports besides its handler: `main`, a whole CLI
 * that knows only that command, which bin/linode-build.js runs (see handler-bundle.ts).
 */
import { VERSION } from '../../version.js';
import type { AnyCommand } from './command.js';
import { exitQuietlyOnClosedPipe } from './pipes.js';
import { runCli } from './run.js';

export function entryMain(
  spec: Omit<AnyCommand, 'handler'>,
  handler: Awaited<ReturnType<AnyCommand['handler']>>,
): (argv: readonly string[]) => Promise<number> {
  return (argv) => {
    exitQuietlyOnClosedPipe();
    return runCli({
      argv,
      commands: [{ ...spec, handler: async () => handler } as AnyCommand],
      version: VERSION,
    });
  };
}
