/** Runs ssh in the user's terminal (argv array, inherited stdio) and returns its exit code. */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { CliError } from '../errors.js';

export function runSsh(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [program, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(program!, args, { stdio: 'inherit', env });
    // Ctrl-C belongs to the remote session: ssh gets it from the terminal; we just wait.
    const ignore = () => undefined;
    process.on('SIGINT', ignore);
    const done = () => process.off('SIGINT', ignore);
    child.on('error', (error: NodeJS.ErrnoException) => {
      done();
      reject(
        error.code === 'ENOENT'
          ? new CliError(
              'ssh is not installed or not on PATH.',
              'Install the OpenSSH client (e.g. apt install openssh-client), or use --print and run it elsewhere.',
            )
          : error,
      );
    });
    child.on('close', (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1));
    });
  });
}
