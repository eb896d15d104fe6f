/**
 * The buildwatch capability's delivery: the built bundle and its checksum in user-data, the
 * token file, the hardened unit, the firewall rule, and a daemon command line the real
 * bundle accepts (run here with the unit's own Node flags).
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  BUNDLE_PATH,
  daemonArgv,
  deliveryFragments,
  NODE_FLAGS,
  TOKEN_PATH,
  UNIT_PATH,
  unitFile,
} from '../../capabilities/buildwatch/delivery.js';
import buildwatch from '../../capabilities/buildwatch/index.js';
import type { BuildwatchConfig } from '../../capabilities/buildwatch/schema.js';
import type { CapabilityContext, Fragments } from '../../src/capability/types.js';
import { systemdExecLine } from '../../src/quote/index.js';
import { startFakeDocker } from '../../watcher/test/fake-docker.js';
import { standInSmi } from '../../watcher/test/gpu-standin.js';
import { bundlePath, startWatcher, waitUntil } from '../../watcher/test/process.js';
import { watcherNodes } from '../support/distro-node.js';

const config: BuildwatchConfig = {
  port: 9191,
  crash_loop_count: 4,
  crash_loop_window_seconds: 120,
  slow_start_seconds: 900,
  retention: { events: 5000, issues: 300, days: 7 },
  allowed_sources: [],
  enable_metrics: true,
  gpu: { interval_seconds: 20 },
};
const TOKEN = 'canary-watcher-token-0123456789abcdef';

// The registry's capabilities take their config as a plain record.
const asRecord = (value: BuildwatchConfig) => value as unknown as Record<string, unknown>;

function valueAfter(argv: readonly string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  return index === -1 ? undefined : argv[index + 1];
}

describe('buildwatch delivery', () => {
  const fragments = deliveryFragments(config, TOKEN);
  const files = new Map((fragments.writeFiles ?? []).map((file) => [file.path, file]));

  it('ships the built bundle with its sha256, checked again before every start', () => {
    const shipped = files.get(BUNDLE_PATH);
    expect(shipped?.encoding).toBe('gz+b64');
    const bundle = gunzipSync(Buffer.from(shipped?.content ?? '', 'base64')).toString('utf8');
    expect(bundle).toBe(fs.readFileSync(bundlePath, 'utf8'));
    const sha = createHash('sha256').update(bundle).digest('hex');
    expect(files.get(`${BUNDLE_PATH}.sha256`)?.content).toBe(`${sha}  ${BUNDLE_PATH}\n`);
    expect(unitFile(config)).toContain(
      `ExecStartPre=${systemdExecLine(['/usr/bin/sha256sum', '--check', '--quiet', `${BUNDLE_PATH}.sha256`])}`,
    );
    expect(fragments.steps?.[0]?.script).toContain('sha256sum --check --quiet');
    expect(fragments.packages).toEqual(['nodejs']);
  });

  it('writes the token 0600 root and refuses to plan without one', () => {
    expect(files.get(TOKEN_PATH)).toMatchObject({
      content: `${TOKEN}\n`,
      permissions: '0600',
      owner: 'root:root',
    });
    expect(unitFile(config)).not.toContain(TOKEN);
    expect(() => deliveryFragments(config, undefined)).toThrow(/watcherToken/);
  });

  it('runs as a hardened service that restarts on failure', () => {
    const unit = unitFile(config);
    for (const line of [
      'Restart=on-failure',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ReadWritePaths=/var/lib/buildwatch',
      'StateDirectory=buildwatch',
      'PrivateTmp=yes',
      'CapabilityBoundingSet=',
      'After=docker.service network-online.target',
    ]) {
      expect(unit.split('\n')).toContain(line);
    }
    expect(unit).toContain(`ExecStart=${systemdExecLine(daemonArgv(config))}`);
  });

  it('maps the config to the daemon options and binds loopback unless sources are allowed', () => {
    const argv = daemonArgv(config);
    expect(argv.slice(0, NODE_FLAGS.length + 2)).toEqual(['/usr/bin/node', ...NODE_FLAGS, BUNDLE_PATH]);
    expect(valueAfter(argv, '--listen')).toBe('127.0.0.1:9191');
    expect(valueAfter(argv, '--crash-loop-count')).toBe('4');
    expect(valueAfter(argv, '--crash-loop-window')).toBe('120');
    expect(valueAfter(argv, '--slow-start')).toBe('900');
    expect(valueAfter(argv, '--max-events')).toBe('5000');
    expect(valueAfter(argv, '--boot-status-file')).toBe('/var/lib/linode-build/boot-status.json');
    expect(argv).not.toContain('--disable-metrics');
    const open = { ...config, allowed_sources: ['203.0.113.7/32'], enable_metrics: false };
    expect(valueAfter(daemonArgv(open), '--listen')).toBe('0.0.0.0:9191');
    expect(daemonArgv(open)).toContain('--disable-metrics');
    expect(valueAfter(daemonArgv({ ...config, log_retention_days: 30 }), '--retention-days')).toBe('30');
    expect(
      valueAfter(
        daemonArgv({ ...config, retention: { ...config.retention, days: 3 }, log_retention_days: 30 }),
        '--retention-days',
      ),
    ).toBe('3');
  });

  it('the install step refuses a bundle that does not match its checksum, and starts a good one', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-install-'));
    const bin = path.join(directory, 'bin');
    fs.mkdirSync(bin);
    const calls = path.join(directory, 'calls');
    // Stand-ins for systemctl/journalctl: record the call, report the unit active.
    for (const tool of ['systemctl', 'journalctl']) {
      fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> "${calls}"\n`, { mode: 0o755 });
    }
    const bundleCopy = path.join(directory, 'buildwatch.mjs');
    fs.copyFileSync(bundlePath, bundleCopy);
    const sha = createHash('sha256').update(fs.readFileSync(bundleCopy)).digest('hex');
    fs.writeFileSync(`${bundleCopy}.sha256`, `${sha}  ${bundleCopy}\n`);
    const script = fragments.steps?.[0];
    const run = () =>
      spawnSync('bash', ['-c', script?.script ?? 'exit 99'], {
        encoding: 'utf8',
        env: {
          ...process.env,
          ...script?.env,
          BUILDWATCH_BUNDLE: bundleCopy,
          PATH: `${bin}:${process.env.PATH}`,
        },
      });
    const good = run();
    expect(good.status, good.stderr).toBe(0);
    expect(fs.readFileSync(calls, 'utf8')).toBe(
      'systemctl daemon-reload\nsystemctl enable --now buildwatch.service\nsystemctl is-active --quiet buildwatch.service\n',
    );
    fs.rmSync(calls);
    fs.appendFileSync(bundleCopy, '\n// tampered\n');
    const bad = run();
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('does not match its sha256');
    expect(fs.existsSync(calls)).toBe(false);
  });

  it('opens no public port; only the allowed sources reach it', () => {
    expect(fragments.ports).toEqual([
      { port: 9191, protocol: 'TCP', public: false, description: 'BuildWatch API (bearer token)' },
    ]);
    const open = deliveryFragments({ ...config, allowed_sources: ['203.0.113.7/32'] }, TOKEN);
    expect(open.ports?.[0]).toMatchObject({ public: false, sources: ['203.0.113.7/32'] });
  });

  it('samples the GPUs only on gpu-nvidia deployments, whose unit may read the NVIDIA devices and the kernel log', () => {
    const plain = unitFile(config).split('\n');
    for (const line of ['PrivateDevices=yes', 'ProtectKernelLogs=yes', 'CapabilityBoundingSet=']) {
      expect(plain).toContain(line);
    }
    expect(daemonArgv(config)).not.toContain('--gpu');
    const gpu = unitFile(config, { gpu: true }).split('\n');
    for (const line of ['PrivateDevices=no', 'ProtectKernelLogs=no', 'CapabilityBoundingSet=CAP_SYSLOG']) {
      expect(gpu).toContain(line);
    }
    expect(gpu).not.toContain('PrivateDevices=yes');
    const argv = daemonArgv(config, { gpu: true });
    expect(argv).toContain('--gpu');
    expect(valueAfter(argv, '--gpu-interval')).toBe('20');
    // The capability decides from the resolved set.
    const context = {
      capabilities: new Set(['docker', 'buildwatch', 'gpu-nvidia']),
      secrets: { watcherToken: TOKEN },
    };
    const unitOf = (fragments: Fragments) =>
      fragments.writeFiles?.find((file) => file.path === UNIT_PATH)?.content;
    expect(
      unitOf(buildwatch.fragments?.(asRecord(config), context as unknown as CapabilityContext) ?? {}),
    ).toContain(' "--gpu"');
    const cpu = { ...context, capabilities: new Set(['docker', 'buildwatch']) };
    expect(
      unitOf(buildwatch.fragments?.(asRecord(config), cpu as unknown as CapabilityContext) ?? {}),
    ).not.toContain('--gpu');
  });

  it.each(watcherNodes())(
    'the unit command line starts the real bundle on $label (its Node flags and options are accepted; metrics off)',
    async ({ path: node }) => {
      const docker = await startFakeDocker();
      const argv = daemonArgv({ ...config, enable_metrics: false });
      // Keep the unit's flags and thresholds; point paths and the port at this test.
      const options = argv.slice(NODE_FLAGS.length + 2).filter((_, index, all) => {
        const flag = index % 2 === 0 ? all[index] : all[index - 1];
        return !['--docker-socket', '--listen', '--token-file', '--state-dir', '--boot-status-file'].includes(
          flag ?? '',
        );
      });
      const watcher = await startWatcher({
        socket: docker.socket,
        nodeArgs: NODE_FLAGS,
        args: options,
        node,
      });
      try {
        expect((await watcher.get('/health', null)).status).toBe(200);
        expect((await watcher.get('/issues')).status).toBe(200);
        expect((await watcher.get('/metrics')).status).toBe(404);
      } finally {
        await watcher.stop();
        await docker.close();
      }
    },
  );

  it.each(watcherNodes())(
    'the GPU unit command line samples GPUs on $label (stand-in nvidia-smi on PATH)',
    async ({ path: node }) => {
      const docker = await startFakeDocker();
      const smi = standInSmi();
      const argv = daemonArgv({ ...config, gpu: { interval_seconds: 5 } }, { gpu: true });
      const options = argv.slice(NODE_FLAGS.length + 2).filter((_, index, all) => {
        const flag = index % 2 === 0 ? all[index] : all[index - 1];
        return !['--docker-socket', '--listen', '--token-file', '--state-dir', '--boot-status-file'].includes(
          flag ?? '',
        );
      });
      expect(options.slice(-3)).toEqual(['--gpu-interval', '5', '--gpu']);
      const watcher = await startWatcher({
        socket: docker.socket,
        nodeArgs: NODE_FLAGS,
        args: options,
        node,
        env: { ...process.env, PATH: `${smi.dir}:${process.env.PATH ?? ''}` },
      });
      try {
        const status = await waitUntil(
          async () => {
            const body = (await watcher.get('/status')).json() as { gpu?: { gpus: unknown[] } };
            return body.gpu && body.gpu.gpus.length > 0 ? body.gpu : undefined;
          },
          5000,
          'a GPU sample',
        );
        expect(status).toMatchObject({ interval_seconds: 5, gpus: [{ index: 0 }, { index: 1 }] });
        expect((await watcher.get('/metrics')).body).toContain('DCGM_FI_DEV_GPU_UTIL{gpu="0"');
      } finally {
        await watcher.stop();
        await docker.close();
      }
    },
  );
});
