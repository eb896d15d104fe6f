/**
 * Issue 14 item 6: the watcher token never crosses a network in clear. A deployment whose
 * watcher would answer on the instance's public address (allowed_sources: it binds 0.0.0.0) is
 * played by a recorder on this machine's own interface address (traffic stays on the machine)
 * and, on the same port, the watcher stand-in on loopback behind a real sshd. `logs`,
 * `logs --boot`, `status <id>`, the TUI's reader and a direct client call must all go through
 * the SSH tunnel: the recorder never receives a connection, let alone the token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertDeployment } from '../../src/state/registry.js';
import { writeSecret } from '../../src/state/secrets.js';
import type { DeploymentRecord } from '../../src/state/types.js';
import { WatcherClient, WatcherError } from '../../src/watcher-client/client.js';
import { createWatcherReader } from '../../src/watcher-client/reader.js';
import { deploymentRecord } from '../deploy/fixtures.js';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { sshdAvailable, startTestSshd, type TestSshd } from '../support/sshd.js';
import { inCI } from '../support/tools.js';
import {
  bootProgress,
  dockerStep,
  ownInterfaceAddress,
  type Recorder,
  startRecorder,
  startWatcherStandin,
  type WatcherStandin,
} from '../support/watcher-standin.js';

const token = 'wt-CLEARTEXT-CANARY-2b7d4e91a0';
const publicAddress = ownInterfaceAddress();

function addressAvailable(): boolean {
  if (publicAddress) return true;
  const reason = 'no non-loopback IPv4 address on this machine to play a public watcher';
  if (inCI) throw new Error(`CI must run every test, but ${reason}`);
  console.warn(`[skipped] ${reason}`);
  return false;
}

describe.skipIf(!sshdAvailable() || !addressAvailable())('the watcher token over the network', () => {
  let sshd: TestSshd;
  let watcher: WatcherStandin;
  let recorder: Recorder;
  let lab: Lab;
  let record: DeploymentRecord;
  const host = publicAddress ?? '';

  beforeAll(async () => {
    sshd = await startTestSshd();
    watcher = await startWatcherStandin(token);
    watcher.setBoot(bootProgress([dockerStep('ok')]));
    recorder = await startRecorder(host, watcher.port);
    lab = await startLab();
    lab.env.LINODE_BUILD_SSH = sshd.sshProgram;
    const instance = lab.fake.seedInstance({
      label: 'chat-prod-pub00001',
      region: 'us-ord',
      type: 'g6-standard-2',
      tags: ['build-id:pub00001', 'build-app:chat', 'build-env:prod'],
    });
    record = deploymentRecord('pub00001', {
      linodeId: instance.id,
      ipv4: host,
      watcherPort: watcher.port,
      sshIdentityFile: sshd.clientKey,
    });
    await upsertDeployment(lab.env, record);
    await writeSecret(lab.env, record.id, 'watcher-token', token);
  });
  afterAll(async () => {
    await lab?.close();
    await recorder?.close();
    await watcher?.close();
    await sshd?.stop();
  });

  const nothingInClear = () => {
    expect(recorder.connections()).toBe(0);
    expect(recorder.received()).not.toContain(token);
  };

  it('logs and logs --boot tunnel by default; the public address gets nothing', async () => {
    const before = watcher.requests.length;
    const logs = await lab.run(['logs', record.id]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('hello from the instance');
    expect(logs.stderr).toContain(`Opening an SSH tunnel to root@${host}`);
    const boot = await lab.run(['logs', record.id, '--boot']);
    expect(boot.code, boot.stderr).toBe(0);
    expect(boot.stdout).toContain('[ok] docker: Install Docker');
    expect(watcher.requests.slice(before).map((request) => request.path)).toEqual(['/logs', '/status']);
    expect(watcher.requests.slice(before).every((request) => request.remoteAddress === '127.0.0.1')).toBe(
      true,
    );
    nothingInClear();
  });

  it('status <id> reads open issues, idle time and GPUs through the tunnel', async () => {
    const before = watcher.requests.length;
    const status = await lab.run(['status', record.id, '--no-health']);
    expect(status.code, status.stderr).toBe(0);
    expect(watcher.requests.slice(before)).toEqual([
      { path: '/issues', authorized: true, remoteAddress: '127.0.0.1' },
      { path: '/status', authorized: true, remoteAddress: '127.0.0.1' },
    ]);
    nothingInClear();
  });

  it("the TUI's reader (panel, issues, logs) goes through one tunnel", async () => {
    const env = { ...process.env, ...lab.env } as NodeJS.ProcessEnv;
    const reader = createWatcherReader({ env });
    try {
      const panel = await reader.panel(record);
      expect(panel.state).toBe('ok');
      expect(await reader.openIssues(record)).toEqual([]);
      expect(await reader.logs(record, undefined, 5)).toEqual(['hello from the instance']);
    } finally {
      reader.close();
    }
    nothingInClear();
  });

  it('a --watcher-url over plain HTTP to a public address is refused before connecting', async () => {
    const result = await lab.run(['logs', record.id, '--watcher-url', `http://${host}:${watcher.port}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('would send the watcher token in clear');
    nothingInClear();
  });

  it('the client itself refuses plain HTTP to a non-loopback address', async () => {
    const client = new WatcherClient({ baseUrl: `http://${host}:${watcher.port}`, token });
    const failure = await client.status().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WatcherError);
    expect((failure as WatcherError).failure).toBe('insecure');
    nothingInClear();
  });

  it('deploy-time boot reads ignore a cleartext LINODE_BUILD_WATCHER_URL and tunnel instead', async () => {
    const { bootReporter } = await import('../../src/deploy/boot-watch.js');
    const env = {
      ...process.env,
      ...lab.env,
      LINODE_BUILD_WATCHER_URL: `http://${host}:${watcher.port}`,
      LINODE_BUILD_POLL_MS: '100',
    } as NodeJS.ProcessEnv;
    const lines: string[] = [];
    const reporter = await bootReporter(env, record, (line) => lines.push(line));
    try {
      const deadline = Date.now() + 20_000;
      while (!lines.some((line) => line.startsWith('Boot: docker')) && Date.now() < deadline) {
        await reporter?.poll();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      reporter?.close?.();
    }
    expect(lines).toContain('Boot: docker: Install Docker: ok');
    expect(lines.some((line) => line.startsWith('Reading boot steps through an SSH tunnel'))).toBe(true);
    nothingInClear();
  });
});
