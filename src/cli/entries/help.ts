/**
 * The bare `linode-build`, `--help` and `--version`: the whole command table, no handler (bin
 * sends only argv without a command here; the build leaves the handlers out of this bundle).
 */
import { VERSION } from '../../version.js';
import { commands } from '../commands/index.js';
import { exitQuietlyOnClosedPipe } from '../framework/pipes.js';
import { runCli } from '../framework/run.js';

export function main(argv: readonly string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  return runCli({ argv, commands, version: VERSION });
}
