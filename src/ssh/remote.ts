/**
 * Runs a bash program on a deployment's instance over SSH: the program is ssh's standard input
 * (`bash -s`), so nothing it carries shows in a process list; host keys are checked against
 * linode-build's own known_hosts under the deployment's alias (command.ts); BatchMode, so a
 * missing key fails at once instead of prompting. Output lines are passed on as they arrive.
 */
import { spawn } from 'node:child_process';
import { CliError } from '../errors.js';
import { sshArgv } from './command.js';

export interface RemoteTarget {
  readonly deploymentId: string;
  readonly host: string;
  readonly knownHostsFile: string;
  readonly identityFile?: string;
  /** The ssh program (LINODE_BUILD_SSH: a wrapper, e.g. with a jump host; tests use a loopback sshd). */
  readonly program?: string;
}

export interface RemoteRun {
  readonly code: number;
  /** The last lines of output (stdout and stderr interleaved), for error reports. */
  readonly lastLines: readonly string[];
}

const KEEP_LINES = 40;

/** The ssh argv that runs `bash -s` on the target: the deployment's own, plus no prompts. */
export function remoteBashArgv(target: RemoteTarget): string[] {
  return sshArgv({
    ...target,
    options: ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=15', '-o', 'ServerAliveInterval=15'],
    extra: ['bash -s'],
  });
}

export function runRemoteBash(
  target: RemoteTarget,
  script: string,
  onLine: (line: string) => void,
  env: NodeJS.ProcessEnv,
  timeoutMs = 30 * 60_000,
): Promise<RemoteRun> {
  const [program, ...args] = remoteBashArgv(target);
  return new Promise((resolve, reject) => {
    const child = spawn(program!, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    const lastLines: string[] = [];
    const take = (stream: NodeJS.ReadableStream) => {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) keep(line);
      });
      stream.on('end', () => {
        if (partial !== '') keep(partial);
      });
    };
    const keep = (line: string) => {
      lastLines.push(line);
      if (lastLines.length > KEEP_LINES) lastLines.shift();
      onLine(line);
    };
    take(child.stdout);
    take(child.stderr);
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new CliError(
              `${program} is not installed or not on PATH; an in-place update needs the OpenSSH client.`,
              'Install it (e.g. apt install openssh-client), or deploy with --replace.',
            )
          : error,
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 255 : 0), lastLines });
    });
    // EPIPE when ssh exits before reading everything (e.g. it could not connect): the exit code says why.
    child.stdin.on('error', () => undefined);
    child.stdin.end(script);
  });
}
