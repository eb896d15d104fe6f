/**
 * Issue 12, "Seeing the boot on a real instance": `deploy --wait` (the built CLI, fake Linode
 * API) on a bundled template whose watcher is reachable ONLY through SSH, as on a real
 * instance: the watcher stand-in listens on loopback behind a real sshd, and every host name
 * ssh is given goes to that sshd (LINODE_BUILD_SSH). The deploy must show boot steps read
 * through the tunnel, a heartbeat line while nothing changes, and a failed step's exit code and
 * last lines.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { binPath } from '../support/cli.js';
import { processesMentioning } from '../support/processes.js';
import { sshdAvailable, startTestSshd, type TestSshd } from '../support/sshd.js';
import {
  appStep,
  bootProgress,
  dockerStep,
  startWatcherStandin,
  type WatcherStandin,
} from '../support/watcher-standin.js';

const HEARTBEAT_MS = 1500;

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!sshdAvailable())('deploy --wait sees the boot through the SSH tunnel', () => {
  let lab: Lab;
  let sshd: TestSshd;
  let watcher: WatcherStandin;
  let sshWithKey: string;

  beforeAll(async () => {
    sshd = await startTestSshd();
    watcher = await startWatcherStandin(undefined);
    lab = await startLab();
    // The user's own key, as their agent or ~/.ssh would offer it (the record names none yet).
    sshWithKey = path.join(sshd.directory, 'ssh-with-key');
    writeFileSync(sshWithKey, `#!/bin/sh\nexec "${sshd.sshProgram}" -i "${sshd.clientKey}" "$@"\n`, {
      mode: 0o700,
    });
  });
  afterAll(async () => {
    await lab?.close();
    await watcher?.close();
    await sshd?.stop();
  });

  /** A chat-agent project whose watcher port is the stand-in's. */
  async function project(name: string): Promise<string> {
    const directory = await lab.project(name, 'chat-agent');
    const file = path.join(directory, 'deploy.yml');
    const yaml = readFileSync(file, 'utf8');
    expect(yaml).toContain('    - buildwatch\n');
    writeFileSync(
      file,
      yaml.replace(
        '    - buildwatch\n',
        `    - name: buildwatch\n      config:\n        port: ${watcher.port}\n`,
      ),
    );
    return directory;
  }

  const deployEnv = () => ({
    LINODE_BUILD_SSH: sshWithKey,
    LINODE_BUILD_HEARTBEAT_MS: String(HEARTBEAT_MS),
  });

  it('prints boot steps read through the tunnel, and a heartbeat while nothing changes', async () => {
    const directory = await project('tunnel-ok');
    watcher.setBoot(bootProgress([dockerStep('running'), appStep('pending')]));
    lab.app.setStatus(503);
    const started = Date.now();
    const seenBefore = watcher.arrivals.length;
    const running = lab.run(['deploy', '--wait', '--yes'], { cwd: directory, env: deployEnv() });
    let firstRead = 0;
    try {
      await until(
        () => watcher.arrivals.slice(seenBefore).some((arrival) => arrival.path === '/status'),
        30_000,
        'the first boot read through the tunnel',
      );
      firstRead = Date.now() - started;
      // Nothing changes for a few heartbeat intervals.
      await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS * 2.5));
      watcher.setBoot(bootProgress([dockerStep('ok'), appStep('ok')], 'done'));
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      lab.app.setStatus(200);
    }
    const result = await running;
    console.log(`[measure] deploy --wait: first boot read through the tunnel after ${firstRead} ms`);
    expect(result.code, result.stderr).toBe(0);
    const id = JSON.parse(readFileSync(path.join(directory, '.linode/state.json'), 'utf8')).envs.default
      .deploymentId;
    const ip = JSON.parse(readFileSync(path.join(directory, '.linode/state.json'), 'utf8')).envs.default.ipv4;
    expect(result.stderr).toContain(`Reading boot steps through an SSH tunnel to root@${ip}`);
    expect(result.stderr).toMatch(/Boot: docker: Install Docker: running/);
    expect(result.stderr).toMatch(
      /Still waiting: health http:\/\/127\.0\.0\.1:\d+\/api\/tags: HTTP 503; boot step docker: Install Docker running \(0\/2 steps done\)/,
    );
    expect(result.stderr).toMatch(/Boot: docker: Install Docker: ok/);
    expect(result.stderr).toMatch(/Boot: app: Start the app: ok/);
    expect(result.stderr).toMatch(/Healthy \(HTTP 200\)/);
    // The token the deploy kept is the one that arrived, and only through sshd (loopback).
    const token = readFileSync(
      path.join(lab.home, `.local/state/linode-build/secrets/${id}/watcher-token`),
      'utf8',
    ).trim();
    const reads = watcher.arrivals.slice(seenBefore);
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((arrival) => arrival.bearer === token)).toBe(true);
    expect(result.stdout + result.stderr).not.toContain(token);
    expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
  });

  it('stops at a failed step with its exit code and last lines, read through the tunnel', async () => {
    const directory = await project('tunnel-fail');
    watcher.setBoot(
      bootProgress(
        [
          dockerStep('ok'),
          appStep('failed', {
            exit_code: 7,
            output_tail: 'pulling ollama/ollama:0.5.7\nError response from daemon: manifest unknown\n',
          }),
        ],
        'failed',
      ),
    );
    lab.app.setStatus(503);
    try {
      const result = await lab.run(['deploy', '--wait', '--yes'], { cwd: directory, env: deployEnv() });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Boot: app: Start the app: failed \(exit 7\)/);
      expect(result.stderr).toContain('Error: boot step app: Start the app failed with exit code 7.');
      expect(result.stderr).toContain('  Error response from daemon: manifest unknown');
      const id = JSON.parse(readFileSync(path.join(directory, '.linode/state.json'), 'utf8')).envs.default
        .deploymentId;
      expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
    } finally {
      lab.app.setStatus(200);
    }
  });

  it('falls back to API status and health probes when SSH never answers', async () => {
    const directory = await project('tunnel-none');
    const refusing = path.join(sshd.directory, 'ssh-refused');
    writeFileSync(
      refusing,
      '#!/bin/sh\necho "ssh: connect to host port 22: Connection refused" >&2\nexit 255\n',
      {
        mode: 0o700,
      },
    );
    lab.app.setStatus(503);
    const running = lab.run(['deploy', '--wait', '--yes'], {
      cwd: directory,
      env: { ...deployEnv(), LINODE_BUILD_SSH: refusing },
    });
    await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS * 3));
    lab.app.setStatus(200);
    const result = await running;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /Still waiting: health http:\/\/127\.0\.0\.1:\d+\/api\/tags: HTTP 503; boot steps not visible yet \(SSH: ssh: connect to host port 22: Connection refused\)/,
    );
    expect(result.stderr).not.toMatch(/Boot: /);
    expect(result.stderr).toMatch(/Healthy \(HTTP 200\)/);
    const id = JSON.parse(readFileSync(path.join(directory, '.linode/state.json'), 'utf8')).envs.default
      .deploymentId;
    expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
  });

  it.each(['SIGTERM', 'SIGKILL'] as const)(
    'a deploy stopped by %s leaves no ssh and no tunnel directory behind',
    async (signal) => {
      const directory = await project(`tunnel-${signal.toLowerCase()}`);
      watcher.setBoot(bootProgress([dockerStep('running'), appStep('pending')]));
      lab.app.setStatus(503);
      // A private temporary directory for the CLI, so its tunnel directory can be watched.
      const tmp = mkdtempSync('/tmp/lb-term-');
      const seenBefore = watcher.arrivals.length;
      const child = spawn(process.execPath, [binPath, 'deploy', '--wait', '--yes'], {
        cwd: directory,
        env: { ...process.env, ...lab.env, ...deployEnv(), TMPDIR: tmp },
        stdio: 'ignore',
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        await until(
          () => watcher.arrivals.slice(seenBefore).some((arrival) => arrival.path === '/status'),
          30_000,
          'the tunnel',
        );
        expect(readdirSync(tmp).filter((name) => name.startsWith('lb-tunnel-'))).toHaveLength(1);
        expect(processesMentioning(tmp).length).toBeGreaterThan(0);
        child.kill(signal);
        // It still dies of the signal (the tunnel must not keep it alive until the wait ends).
        await until(() => child.exitCode !== null || child.signalCode !== null, 15_000, 'the CLI to stop');
        await exited;
        await until(() => processesMentioning(tmp).length === 0, 5000, 'ssh to exit');
        expect(readdirSync(tmp)).toEqual([]);
      } finally {
        lab.app.setStatus(200);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      const id = JSON.parse(readFileSync(path.join(directory, '.linode/state.json'), 'utf8')).envs.default
        .deploymentId;
      expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
    },
  );
});
