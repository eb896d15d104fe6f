/** Entry point of the bundled CLI (dist/cli.js). */
import { VERSION } from '../version.js';
import { commands } from './commands/index.js';
import { runCli } from './framework/run.js';

// `linode-build plan | head` closes the pipe early: that is the reader being done, not an
// error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const code = await runCli({ argv: process.argv.slice(2), commands, version: VERSION });
process.exitCode = code;
