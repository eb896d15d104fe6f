/**
 * `plan` as a whole CLI of its own: built as one CommonJS bundle (dist/handlers/plan-<hash>.cjs)
 * that bin/linode-build.js runs through the V8 code cache when the command is `plan`, without
 * loading the ES module CLI at all (start-up is on plan's budget). The same bundle serves the
 * handler to the full CLI (`deploy --dry-run` runs plan): `default` is the handler.
 */
import { VERSION } from '../../version.js';
import { planSpec } from '../commands/plan.js';
import { exitQuietlyOnClosedPipe } from '../framework/pipes.js';
import { runCli } from '../framework/run.js';
import * as handler from '../handlers/plan.js';

export { default } from '../handlers/plan.js';

/** Runs `linode-build ARGV` where ARGV's command is plan; resolves to the exit code. */
export function main(argv: readonly string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  return runCli({ argv, commands: [{ ...planSpec, handler: async () => handler }], version: VERSION });
}
