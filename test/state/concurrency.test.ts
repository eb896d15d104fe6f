/**
 * Process-level guarantees: parallel writers never lose a record, and a writer killed at any
 * moment never leaves a partial file behind.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRegistry } from '../../src/state/registry.js';
import { bundleWorker, runWorker } from './fixtures/bundle.js';

let worker: string;

beforeAll(async () => {
  worker = await bundleWorker();
});

describe('registry under concurrency', () => {
  it('50 parallel processes each upserting one record → 50 records, the file always parses', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'lb-par-'));
    const dir = path.join(root, 'state');
    const file = path.join(dir, 'registry.json');
    const ids = Array.from({ length: 50 }, (_, index) => `dep${String(index).padStart(5, '0')}`);
    let reads = 0;
    let polling = true;
    // Read the file continuously while the writers run: every observed version must parse.
    const poller = (async () => {
      while (polling) {
        try {
          const text = readFileSync(file, 'utf8');
          JSON.parse(text);
          reads++;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const results = await Promise.all(
      ids.map((id) => runWorker(worker, ['upsert', id], { LINODE_BUILD_HOME: root })),
    );
    polling = false;
    await poller;
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    const registry = await readRegistry({ LINODE_BUILD_HOME: root });
    expect(registry.deployments.map((record) => record.id).sort()).toEqual(ids);
    expect(reads).toBeGreaterThan(0);
    expect(readdirSync(dir)).toEqual(['registry.json']);
  }, 120_000);
});

describe('atomic writes', () => {
  it('a writer killed at random points never leaves a partial file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-kill-'));
    const file = path.join(dir, 'data.json');
    const generations = new Set<number>();
    for (let round = 0; round < 25; round++) {
      const child = spawn(process.execPath, [worker, 'rewrite-loop', file], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 40)));
      const closed = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGKILL');
      await closed;
      // The worker announced itself after its first complete write, so the file exists.
      const text = readFileSync(file, 'utf8');
      const parsed = JSON.parse(text) as { generation: number; length: number; filler: string };
      expect(parsed.filler.length).toBe(parsed.length);
      expect(parsed.filler).toBe(String(parsed.generation % 10).repeat(parsed.length));
      generations.add(parsed.generation);
    }
    // Every round wrote at least one new generation, so each kill found a newer file.
    expect(generations.size).toBe(25);
  }, 120_000);
});
