/**
 * `linode-build logs` (the built binary) against a real watcher process on loopback, with the
 * deployment and its token in a throwaway HOME: with --watcher-url (a tunnel of the user's
 * own on this machine), and with --ssh through a real sshd.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertDeployment } from '../../src/state/registry.js';
import { writeSecret } from '../../src/state/secrets.js';
import type { DeploymentRecord } from '../../src/state/types.js';
import { type FakeDocker, logFrame, startFakeDocker } from '../../watcher/test/fake-docker.js';
import { type RunningWatcher, startWatcher, waitUntil } from '../../watcher/test/process.js';
import { binPath, runCli, tempHome } from '../support/cli.js';
import { sshdAvailable, startTestSshd } from '../support/sshd.js';

function record(id: string, port: number | undefined): DeploymentRecord {
  return {
    id,
    app: 'chat',
    env: 'prod',
    template: 'chat-agent',
    templateVersion: '1.0.0',
    status: 'active',
    region: 'us-ord',
    type: 'g6-standard-2',
    image: 'linode/ubuntu24.04',
    label: `chat-prod-${id}`,
    ipv4: '127.0.0.1',
    ...(port !== undefined ? { watcherPort: port } : {}),
    createdAt: '2025-11-23T12:00:00.000Z',
    updatedAt: '2025-11-23T12:00:00.000Z',
  };
}

describe('linode-build logs', () => {
  let docker: FakeDocker;
  let watcher: RunningWatcher;
  let port = 0;
  const home = tempHome();
  const env = { ...home.env, LINODE_BUILD_HOME: path.join(home.home, 'state') };

  beforeAll(async () => {
    docker = await startFakeDocker();
    docker.logs = Buffer.concat([
      logFrame(1, '2025-11-23T12:00:01.000000001Z server starting\n'),
      logFrame(2, '2025-11-23T12:00:02.500000000Z \u001b[31mwarning\u001b[0m: slow disk\n'),
    ]);
    watcher = await startWatcher({ socket: docker.socket });
    port = Number(new URL(watcher.url).port);
    fs.writeFileSync(
      path.join(path.dirname(watcher.stateDir), 'boot-status.json'),
      JSON.stringify({
        started_at: '2025-11-23T12:00:00Z',
        updated_at: '2025-11-23T12:03:00Z',
        state: 'failed',
        steps: [
          {
            id: 'docker/install',
            capability: 'docker',
            name: 'install',
            description: 'Install Docker Engine',
            state: 'ok',
            exit_code: 0,
            started_at: '2025-11-23T12:00:00Z',
            finished_at: '2025-11-23T12:00:42Z',
          },
          {
            id: 'gpu-nvidia/driver',
            capability: 'gpu-nvidia',
            name: 'driver',
            description: 'Install the NVIDIA driver',
            state: 'failed',
            exit_code: 100,
            output_tail: 'E: Unable to locate package nvidia-driver-550-server',
          },
          {
            id: 'app/start',
            capability: 'app',
            name: 'start',
            description: 'Start the app',
            state: 'pending',
          },
        ],
      }),
    );
    await upsertDeployment(env, record('abcd2345', port));
    await upsertDeployment(env, record('nowatch9', undefined));
    await writeSecret(env, 'abcd2345', 'watcher-token', watcher.token);
  });

  afterAll(async () => {
    await watcher?.stop();
    await docker?.close();
  });

  it('prints the container log tail without control sequences, and never the token', async () => {
    const result = await runCli(['logs', 'abcd', '--lines', '20', '--watcher-url', watcher.url], { env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('server starting\nwarning: slow disk\n');
    expect(result.stdout + result.stderr).not.toContain(watcher.token);
    expect(docker.requests.at(-1)).toMatch(/\/containers\/app\/logs\?.*tail=20/);
  });

  it('prints JSON and timestamps on request', async () => {
    const json = await runCli(
      ['logs', 'abcd2345', '--json', '--container', 'worker', '--watcher-url', watcher.url],
      {
        env,
      },
    );
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout);
    expect(body).toMatchObject({ id: 'abcd2345', container: 'worker' });
    expect(body.lines[1]).toMatchObject({ stream: 'stderr', time: '2025-11-23T12:00:02.500000000Z' });
    const stamped = await runCli(['logs', 'abcd2345', '--timestamps', '--watcher-url', watcher.url], { env });
    expect(stamped.stdout.split('\n')[0]).toBe('2025-11-23T12:00:01.000000001Z server starting');
  });

  it('shows boot progress with the failed step, its exit code and output, and exits 1', async () => {
    const result = await runCli(['logs', 'abcd2345', '--boot', '--watcher-url', watcher.url], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('boot: failed, 1/3 steps done');
    expect(result.stdout).toContain('[ok] docker: Install Docker Engine (42 s)');
    expect(result.stdout).toContain('[!!] gpu-nvidia: Install the NVIDIA driver, exit 100');
    expect(result.stdout).toContain('| E: Unable to locate package nvidia-driver-550-server');
    // No app container receives anything: idle since the watcher's first check.
    expect(result.stdout).toMatch(/\nIdle: +since \d{4}-\d\d-\d\dT/);
  });

  it('follows new log lines until interrupted, then exits 0', async () => {
    const child = spawn(
      process.execPath,
      [binPath, 'logs', 'abcd2345', '--follow', '--interval', '0.2', '--watcher-url', watcher.url],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitUntil(async () => (stdout.includes('slow disk') ? true : undefined), 20000, 'first lines');
      docker.logs = Buffer.concat([
        docker.logs,
        logFrame(1, '2025-11-23T12:00:03.000000000Z request served\n'),
      ]);
      await waitUntil(
        async () => (stdout.includes('request served') ? true : undefined),
        20000,
        'followed line',
      );
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stdout).toBe('server starting\nwarning: slow disk\nrequest served\n');
    expect(docker.requests.some((request) => request.includes('since=1763899202.500000000'))).toBe(true);
  });

  it.skipIf(!sshdAvailable())(
    'reaches the watcher through --ssh (a real sshd, the recorded key), and explains an ssh failure',
    async () => {
      const sshd = await startTestSshd();
      const directory = fs.mkdtempSync(path.join(home.home, 'ssh-'));
      try {
        await upsertDeployment(env, { ...record('abcd2345', port), sshIdentityFile: sshd.clientKey });
        const result = await runCli(['logs', 'abcd2345', '--ssh'], {
          env: { ...env, LINODE_BUILD_SSH: sshd.sshProgram },
        });
        expect(result.stderr).toContain('Opening an SSH tunnel to root@127.0.0.1');
        expect(result.code).toBe(0);
        expect(result.stdout).toContain('server starting');
        // The tunnel's host key was pinned under the deployment's alias in our known_hosts.
        const knownHosts = fs.readFileSync(path.join(env.LINODE_BUILD_HOME, 'state', 'known_hosts'), 'utf8');
        expect(knownHosts).toContain(`linode-build-abcd2345 ${sshd.hostKeyPublic}`);
        expect(sshd.log()).toMatch(/Accepted publickey for root/);

        const failingSsh = path.join(directory, 'ssh-fails');
        fs.writeFileSync(
          failingSsh,
          '#!/bin/sh\necho "root@127.0.0.1: Permission denied (publickey)." >&2\nexit 255\n',
          {
            mode: 0o755,
          },
        );
        const failed = await runCli(['logs', 'abcd2345', '--ssh'], {
          env: { ...env, LINODE_BUILD_SSH: failingSsh },
        });
        expect(failed.code).toBe(1);
        expect(failed.stderr).toContain(
          'could not open an SSH tunnel to root@127.0.0.1: root@127.0.0.1: Permission denied (publickey).',
        );
      } finally {
        await upsertDeployment(env, record('abcd2345', port));
        await sshd.stop();
      }
    },
  );

  it('explains a deployment without the watcher, a wrong token and an unreachable watcher', async () => {
    const disabled = await runCli(['logs', 'nowatch9'], { env });
    expect(disabled.code).toBe(1);
    expect(disabled.stderr).toContain('does not run the watcher');
    expect(disabled.stderr).toContain('buildwatch');

    await writeSecret(env, 'abcd2345', 'watcher-token', 'a-wrong-token-value-000');
    const rejected = await runCli(['logs', 'abcd2345', '--watcher-url', watcher.url], { env });
    await writeSecret(env, 'abcd2345', 'watcher-token', watcher.token);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain("rejected this machine's token");
    expect(rejected.stderr).not.toContain('a-wrong-token-value-000');

    const closed = await runCli(['logs', 'abcd2345', '--watcher-url', 'http://127.0.0.1:9'], { env });
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain('cannot reach the watcher of abcd2345 at http://127.0.0.1:9');
    expect(closed.stderr).toContain('logs --boot');

    const clear = await runCli(['logs', 'abcd2345', '--watcher-url', 'http://192.0.2.55:9090'], { env });
    expect(clear.code).toBe(2);
    expect(clear.stderr).toContain('would send the watcher token in clear');

    const usage = await runCli(['logs', 'abcd2345', '--lines', '0'], { env });
    expect(usage.code).toBe(2);
  });
});
