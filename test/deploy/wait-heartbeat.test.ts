/**
 * The parts of `deploy --wait`'s visibility that need no instance: the heartbeat line when
 * nothing changes (never more often than the interval while other lines are printed), the
 * boot reporter's background reads and the early end of a sleep on a failed step, and the rule
 * for where the watcher token may be sent.
 */
import { describe, expect, it } from 'vitest';
import { type BootSource, describeBoot, followBoot } from '../../src/deploy/boot-watch.js';
import { waitUntilHealthy, waitUntilRunning } from '../../src/deploy/wait.js';
import type { Instance, LinodeClient } from '../../src/linode/client.js';
import { isLoopbackHost, tokenTransportAllowed } from '../../src/watcher-client/client.js';
import { appStep, bootProgress, dockerStep } from '../support/watcher-standin.js';
import { deploymentRecord } from './fixtures.js';

const record = deploymentRecord('beat0001', { ipv4: '192.0.2.10', externalPort: 8080 });

function statusClient(statuses: () => string): LinodeClient {
  return {
    getInstance: async () => ({ id: 1, status: statuses() }) as unknown as Instance,
  } as unknown as LinodeClient;
}

function source(reads: () => ReturnType<typeof bootProgress> | undefined, problem?: string): BootSource {
  return {
    read: async () => reads(),
    problem: () => problem,
    via: () => 'an SSH tunnel to root@192.0.2.10',
    close() {},
  };
}

describe('the wait heartbeat', () => {
  it('prints "Still waiting" with the stage when nothing changes for the interval', async () => {
    const lines: string[] = [];
    const started = Date.now();
    await waitUntilRunning(
      {
        client: statusClient(() => (Date.now() - started < 700 ? 'provisioning' : 'running')),
        env: { LINODE_BUILD_HEARTBEAT_MS: '200' },
        step: (line) => lines.push(line),
        deadline: Date.now() + 10_000,
        pollMs: 20,
      },
      record,
      1,
    );
    const beats = lines.filter((line) => line === 'Still waiting: instance is provisioning');
    expect(lines[0]).toBe('Instance is provisioning');
    expect(lines.at(-1)).toBe('Instance is running');
    // 700 ms of silence at a 200 ms interval: at most three heartbeats (a busy machine may
    // fire them late, never early), not one per poll (35 polls).
    expect(beats.length).toBeGreaterThanOrEqual(1);
    expect(beats.length).toBeLessThanOrEqual(3);
  });

  it('names the running boot step, and counts boot lines as signs of life', async () => {
    const lines: string[] = [];
    const boot = followBoot(
      source(() => bootProgress([dockerStep('running'), appStep('pending')])),
      (line) => lines.push(`boot> ${line}`),
      50,
    );
    const started = Date.now();
    try {
      await waitUntilRunning(
        {
          client: statusClient(() => (Date.now() - started < 600 ? 'booting' : 'running')),
          env: { LINODE_BUILD_HEARTBEAT_MS: '250' },
          step: (line) => lines.push(line),
          deadline: Date.now() + 10_000,
          pollMs: 20,
          boot,
        },
        record,
        1,
      );
    } finally {
      boot.close?.();
    }
    expect(lines).toContain('boot> Reading boot steps through an SSH tunnel to root@192.0.2.10');
    expect(lines).toContain('boot> Boot: docker: Install Docker: running');
    expect(lines).toContain(
      'Still waiting: instance is booting; boot step docker: Install Docker running (0/2 steps done)',
    );
  });

  it('says why boot steps are not visible yet', () => {
    const boot = followBoot(
      source(() => undefined, 'SSH: Connection refused'),
      () => {},
      1000,
    );
    try {
      expect(boot.current?.()).toBe('boot steps not visible yet (SSH: Connection refused)');
    } finally {
      boot.close?.();
    }
  });

  it('ends a health wait at once when a background read sees a failed step', async () => {
    let failedNow = false;
    const boot = followBoot(
      source(() =>
        bootProgress([
          dockerStep('ok'),
          appStep(
            failedNow ? 'failed' : 'running',
            failedNow ? { exit_code: 7, output_tail: 'a\nlast line' } : {},
          ),
        ]),
      ),
      () => {},
      30,
    );
    const started = Date.now();
    setTimeout(() => {
      failedNow = true;
    }, 300);
    try {
      const waiting = waitUntilHealthy(
        {
          client: statusClient(() => 'running'),
          env: { LINODE_BUILD_HEALTH_HOST: '127.0.0.1:9' },
          step: () => {},
          deadline: Date.now() + 60_000,
          pollMs: 20,
          boot,
        },
        record,
        {
          type: 'tcp',
          port: 9,
          success_codes: [],
          initial_delay_seconds: 0,
          timeout_seconds: 1,
          // A 30 s sleep between probes: only the failed step can end this wait early.
          interval_seconds: 30,
          max_retries: 100,
        },
      );
      await expect(waiting).rejects.toMatchObject({
        message: 'boot step app: Start the app failed with exit code 7.',
        lastLines: ['a', 'last line'],
      });
    } finally {
      boot.close?.();
    }
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('describes the boot by its running step, else cloud-init stage, else state', () => {
    expect(describeBoot(bootProgress([dockerStep('ok'), appStep('running')]))).toBe(
      'boot step app: Start the app running (1/2 steps done)',
    );
    expect(describeBoot(bootProgress([dockerStep('ok')], 'running', 'modules:config'))).toBe(
      'cloud-init modules:config (1/1 steps done)',
    );
  });
});

describe('where the watcher token may go', () => {
  it('knows loopback names and addresses, and nothing else', () => {
    for (const host of [
      '127.0.0.1',
      '127.8.9.10',
      '::1',
      '[::1]',
      'localhost',
      'LOCALHOST',
      '::ffff:127.0.0.1',
    ])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of [
      '192.0.2.10',
      '0.0.0.0',
      '::',
      '10.0.0.1',
      '127.0.0.1.nip.io',
      'localhost.example',
      '::ffff:192.0.2.1',
    ])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it('allows https anywhere, http only to loopback, and any local socket', () => {
    expect(tokenTransportAllowed({ baseUrl: 'https://192.0.2.10:9090' })).toBe(true);
    expect(tokenTransportAllowed({ baseUrl: 'http://127.0.0.1:9090' })).toBe(true);
    expect(tokenTransportAllowed({ baseUrl: 'http://2130706433:9090' })).toBe(true); // 127.0.0.1, normalised
    expect(tokenTransportAllowed({ baseUrl: 'http://192.0.2.10:9090' })).toBe(false);
    expect(tokenTransportAllowed({ baseUrl: 'http://127.0.0.1.nip.io:9090' })).toBe(false);
    expect(
      tokenTransportAllowed({ baseUrl: 'http://127.0.0.1:9090', socketPath: '/tmp/x/watcher.sock' }),
    ).toBe(true);
  });
});
