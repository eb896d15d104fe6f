/**
 * The buildwatch capability's delivery: the built bundle and its checksum in user-data, the
 * token file, the hardened unit, the firewall rule, the install step (which downloads the
 * watcher's pinned Node and refuses any other bytes), and a daemon command line the real
 * bundle accepts (run here on the watcher's Node with the unit's own Node flags).
 */

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  BUNDLE_PATH,
  daemonArgv,
  deliveryFragments,
  NODE_FLAGS,
  NODE_PATH,
  NODE_SHA256_PATH,
  nodeSource,
  TOKEN_PATH,
  UNIT_PATH,
  unitFile,
} from '../../capabilities/buildwatch/delivery.js';
import buildwatch from '../../capabilities/buildwatch/index.js';
import watcherNode from '../../capabilities/buildwatch/node.json';
import type { BuildwatchConfig } from '../../capabilities/buildwatch/schema.js';
import type { CapabilityContext, Fragments } from '../../src/capability/types.js';
import { systemdExecLine } from '../../src/quote/index.js';
import { startFakeDocker } from '../../watcher/test/fake-docker.js';
import { standInSmi } from '../../watcher/test/gpu-standin.js';
import { bundlePath, startWatcher, waitUntil } from '../../watcher/test/process.js';
import { watcherNodeArchive, watcherNodeAvailable, watcherNodes } from '../support/watcher-node.js';

const config: BuildwatchConfig = {
  port: 9191,
  crash_loop_count: 4,
  crash_loop_window_seconds: 120,
  slow_start_seconds: 900,
  retention: { events: 5000, issues: 300, days: 7 },
  allowed_sources: [],
  enable_metrics: true,
  gpu: { interval_seconds: 20 },
  node: {},
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
      `ExecStartPre=${systemdExecLine(['/usr/bin/sha256sum', '--check', '--quiet', `${BUNDLE_PATH}.sha256`, NODE_SHA256_PATH])}`,
    );
    expect(fragments.steps?.[0]?.script).toContain('sha256sum --check --quiet');
    // No distribution nodejs: the watcher brings its own Node.
    expect(fragments.packages).toEqual(['curl', 'ca-certificates', 'xz-utils']);
  });

  it('downloads the pinned official Node build unless the config overrides both URL and sha256', () => {
    expect(watcherNode.url).toBe(
      `https://nodejs.org/dist/v${watcherNode.version}/node-v${watcherNode.version}-linux-x64.tar.xz`,
    );
    expect(watcherNode.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(watcherNode.version.split('.')[0]).toBe('24');
    expect(fragments.steps?.[0]?.env).toMatchObject({
      BUILDWATCH_NODE_URL: watcherNode.url,
      BUILDWATCH_NODE_SHA256: watcherNode.sha256,
    });
    const mirror = { url: 'http://mirror.example/node.tar.gz', sha256: 'a'.repeat(64) };
    expect(nodeSource({ ...config, node: mirror })).toEqual(mirror);
    expect(deliveryFragments({ ...config, node: mirror }, TOKEN).steps?.[0]?.env).toMatchObject({
      BUILDWATCH_NODE_URL: mirror.url,
      BUILDWATCH_NODE_SHA256: mirror.sha256,
    });
    // Half an override (the schema refuses it) never mixes one source with another's checksum.
    expect(nodeSource({ ...config, node: { url: mirror.url } })).toEqual({
      url: watcherNode.url,
      sha256: watcherNode.sha256,
    });
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
    expect(argv.slice(0, NODE_FLAGS.length + 2)).toEqual([NODE_PATH, ...NODE_FLAGS, BUNDLE_PATH]);
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

  it.skipIf(!watcherNodeAvailable())(
    'the install step downloads Node from the URL, refuses other bytes or a tampered bundle, and starts a good one',
    async () => {
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'bw-install-'));
      const bin = path.join(directory, 'bin');
      fs.mkdirSync(bin);
      const calls = path.join(directory, 'calls');
      // Stand-ins for systemctl/journalctl only: record the call, report the unit active. curl,
      // sha256sum and tar are the real ones, against a real HTTP server on loopback.
      for (const tool of ['systemctl', 'journalctl']) {
        fs.writeFileSync(path.join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> "${calls}"\n`, {
          mode: 0o755,
        });
      }
      const bundleCopy = path.join(directory, 'buildwatch.mjs');
      fs.copyFileSync(bundlePath, bundleCopy);
      const sha = createHash('sha256').update(fs.readFileSync(bundleCopy)).digest('hex');
      fs.writeFileSync(`${bundleCopy}.sha256`, `${sha}  ${bundleCopy}\n`);
      const archive = watcherNodeArchive();
      const served: string[] = [];
      const server = http.createServer((request, response) => {
        served.push(request.url ?? '');
        if (request.url !== '/dist/node.tar.gz') return response.writeHead(404).end();
        response.writeHead(200, { 'Content-Length': fs.statSync(archive.file).size });
        fs.createReadStream(archive.file).pipe(response);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const nodeDir = path.join(directory, 'node');
      const nodeSha = path.join(directory, 'node.sha256');
      const script = fragments.steps?.[0];
      // Asynchronous: the HTTP server above answers curl from this process meanwhile.
      const run = (env: Record<string, string>) =>
        new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
          const environment = {
            ...process.env,
            ...script?.env,
            BUILDWATCH_BUNDLE: bundleCopy,
            BUILDWATCH_NODE_URL: `${base}/dist/node.tar.gz`,
            BUILDWATCH_NODE_SHA256: archive.sha256,
            BUILDWATCH_NODE_DIR: nodeDir,
            BUILDWATCH_NODE_SHA256_FILE: nodeSha,
            PATH: `${bin}:${process.env.PATH}`,
            ...env,
          };
          execFile(
            'bash',
            ['-c', script?.script ?? 'exit 99'],
            { env: environment },
            (error, stdout, stderr) => resolve({ status: error ? Number(error.code) : 0, stdout, stderr }),
          );
        });
      try {
        // Other bytes than the pinned ones: refused before anything is unpacked or started.
        const wrong = await run({ BUILDWATCH_NODE_SHA256: 'b'.repeat(64) });
        expect(wrong.status).toBe(1);
        expect(wrong.stderr).toContain(`has sha256 ${archive.sha256}, not the pinned ${'b'.repeat(64)}`);
        expect(fs.existsSync(nodeDir)).toBe(false);
        expect(fs.existsSync(calls)).toBe(false);
        const missing = await run({ BUILDWATCH_NODE_URL: `${base}/dist/gone.tar.xz` });
        expect(missing.status).toBe(1);
        expect(missing.stderr).toContain('cannot download Node.js');
        expect(fs.existsSync(nodeDir)).toBe(false);

        const good = await run({});
        expect(good.status, good.stderr).toBe(0);
        expect(good.stdout).toContain(`Node.js v${watcherNode.version} in ${nodeDir}`);
        // Only bin/node is kept, and its checksum is recorded for the unit's ExecStartPre.
        expect(fs.readdirSync(nodeDir)).toEqual(['bin']);
        expect(fs.readdirSync(path.join(nodeDir, 'bin'))).toEqual(['node']);
        const nodeBinary = path.join(nodeDir, 'bin/node');
        expect(fs.readFileSync(nodeSha, 'utf8')).toBe(
          `${createHash('sha256').update(fs.readFileSync(nodeBinary)).digest('hex')}  ${nodeBinary}\n`,
        );
        expect(fs.readFileSync(calls, 'utf8')).toBe(
          'systemctl daemon-reload\nsystemctl enable --now buildwatch.service\nsystemctl is-active --quiet buildwatch.service\n',
        );
        fs.rmSync(calls);
        fs.appendFileSync(bundleCopy, '\n// tampered\n');
        const bad = await run({});
        expect(bad.status).toBe(1);
        expect(bad.stderr).toContain('does not match its sha256');
        expect(fs.existsSync(calls)).toBe(false);
        expect(served.filter((url) => url === '/dist/node.tar.gz')).toHaveLength(2);
      } finally {
        server.close();
        fs.rmSync(directory, { recursive: true, force: true });
      }
    },
    120_000,
  );

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
