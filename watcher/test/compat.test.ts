/**
 * The bundle must run on the Node the instance has: Ubuntu 22.04's nodejs is 12.22 (24.04 has
 * 18). We cannot run Node 12 here, so the build targets node12 syntax (esbuild refuses what it
 * cannot lower) and this test runs the bundle with the newer APIs removed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { startFakeDocker } from './fake-docker.js';
import { fixtureLines } from './helpers.js';
import { bundlePath, startWatcher, waitUntil } from './process.js';

const guard = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node12-guard.mjs');

describe('bundle compatibility', () => {
  it('imports no node: specifiers (Node 12.22 ESM resolves bare built-in names) and stays small', () => {
    const text = fs.readFileSync(bundlePath, 'utf8');
    expect(text).not.toMatch(/from\s*"node:/);
    // Default imports of built-ins only: the safest form for Node 12's ES module loader.
    const imports = text.match(/import[^;]*?from\s*"[^"]+"/g) ?? [];
    expect(imports.length).toBeGreaterThan(0);
    for (const statement of imports)
      expect(statement).toMatch(/^import\s*[A-Za-z_$][\w$]*\s*from\s*"[a-z_]+"$/);
    expect(text).not.toMatch(/\?\?=|\|\|=|&&=|#[a-zA-Z_]+\s*[=;(]/);
    // It travels gzip+base64 inside user-data (64 KiB limit for everything); GPU sampling and
    // the idle guard (issue 18) took it from 15 to about 20 KiB.
    expect(gzipSync(text, { level: 9 }).length).toBeLessThan(22 * 1024);
  });

  it('prints its usage and runs the API with post-Node-12 APIs removed', async () => {
    const help = spawnSync(process.execPath, ['--import', guard, bundlePath, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--docker-socket PATH');
    const docker = await startFakeDocker('1.41');
    const watcher = await startWatcher({ socket: docker.socket, nodeArgs: ['--import', guard] });
    try {
      expect((await watcher.get('/health', null)).status).toBe(200);
      expect((await watcher.get('/issues')).status).toBe(200);
      expect((await watcher.get('/metrics')).body).toContain('buildwatch_docker_connected');
      expect(docker.requests.some((request) => request.startsWith('/v1.41/events'))).toBe(true);
      // The persistence paths run on timers (events and issues every 250 ms, state.json every
      // second): an API missing on Node 12 there only shows once they have run with data.
      docker.emit(fixtureLines('docker28-crash-loop.jsonl'));
      await waitUntil(
        async () => {
          if (watcher.child.exitCode !== null) throw new Error(`watcher exited:\n${watcher.output()}`);
          const files = ['events.jsonl', 'issues.jsonl', 'state.json'];
          return files.every((file) => fs.existsSync(path.join(watcher.stateDir, file))) || undefined;
        },
        10000,
        'events, issues and state written',
      );
      expect(watcher.child.exitCode).toBeNull();
      expect(JSON.parse((await watcher.get('/health', null)).body)).toMatchObject({ status: 'ok' });
      expect(JSON.parse((await watcher.get('/issues')).body).count).toBeGreaterThan(0);
    } finally {
      await watcher.stop();
      await docker.close();
    }
  });

  it('exits 2 with a one-line reason on bad arguments', () => {
    const result = spawnSync(
      process.execPath,
      [bundlePath, '--token-file', '/nonexistent', '--listen', 'nope'],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--listen must be HOST:PORT');
  });
});
