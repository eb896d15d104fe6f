/**
 * For e2e tests that follow several machines' boots over SSH (`deploy --wait` with replicas):
 * an ssh program for the CLI that logs its arguments and sends each machine's watcher tunnel to
 * its own watcher stand-in, picked by the machine's host-key alias, through the one real test sshd.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { startTestSshd, type TestSshd } from './sshd.js';
import { startWatcherStandin, type WatcherStandin } from './watcher-standin.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 50 ms; throws naming `what` after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Writes the ssh program: the tunnel of the machine whose HostKeyAlias ends `-<letter><k>`
 * (`-r2`: replica 2; `-n2`: replica 2's new instance during deploy --replace) goes to
 * `ports[k - 1]`, its forward rewritten from `ports[0]` (the watcher port in deploy.yml).
 * Returns the program and the file each invocation's arguments are appended to.
 */
export function routingSsh(
  sshd: TestSshd,
  ports: readonly number[],
  letter: 'r' | 'n',
): { program: string; log: string } {
  const log = path.join(sshd.directory, `ssh-argv-${letter}.log`);
  const program = path.join(sshd.directory, `ssh-per-${letter}`);
  const arms = ports.map((port, at) => `${at + 1}) port=${port};;`).join(' ');
  writeFileSync(
    program,
    `#!/bin/sh
printf '%s\\n' "$*" >> "${log}"
machine=$(printf '%s\\n' "$@" | sed -n 's/^HostKeyAlias=.*-${letter}\\([0-9]*\\)$/\\1/p')
case "$machine" in ${arms} *) port=;; esac
for argument do
  shift
  case "$argument" in *:127.0.0.1:${ports[0]}) [ -n "$port" ] && argument="\${argument%:*}:$port";; esac
  set -- "$@" "$argument"
done
exec "${sshd.sshProgram}" -i "${sshd.clientKey}" "$@"
`,
    { mode: 0o700 },
  );
  return { program, log };
}

/** A fake API, the real test sshd, `count` watcher stand-ins and the ssh program routing to them. */
export interface BootLab {
  readonly lab: Lab;
  readonly sshd: TestSshd;
  readonly watchers: readonly WatcherStandin[];
  readonly ssh: string;
  /** The ssh program's argument log. */
  readonly sshLog: string;
  close(): Promise<void>;
}

export async function startBootLab(count: number, letter: 'r' | 'n'): Promise<BootLab> {
  const sshd = await startTestSshd();
  const watchers: WatcherStandin[] = [];
  for (let k = 0; k < count; k++) watchers.push(await startWatcherStandin(undefined));
  const lab = await startLab({ provisionMs: 50, bootMs: 50, deleteMs: 50 });
  const { program, log } = routingSsh(
    sshd,
    watchers.map((watcher) => watcher.port),
    letter,
  );
  return {
    lab,
    sshd,
    watchers,
    ssh: program,
    sshLog: log,
    async close() {
      lab.fake.nodeBalancers.setBackendHealth(undefined);
      await lab.close();
      for (const watcher of watchers) await watcher.close();
      await sshd.stop();
    },
  };
}
