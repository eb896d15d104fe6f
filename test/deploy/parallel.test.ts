/**
 * 50 `deploy` processes at once against one registry: every record survives (the registry is
 * locked and replaced atomically), and the file parses at every moment we look at it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeploymentRecord } from '../../src/state/types.js';
import { type Lab, startLab } from '../fake-linode/harness.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab.close());

it('50 parallel deploys leave 50 records and a registry that always parses', {
  timeout: 600_000,
}, async () => {
  const project = await lab.project('many', 'embeddings-python');
  const registryFile = path.join(lab.home, '.local/state/linode-build/registry.json');
  let reads = 0;
  let parseFailures = 0;
  let running = true;
  const watcher = (async () => {
    while (running) {
      try {
        const text = readFileSync(registryFile, 'utf8');
        reads++;
        try {
          JSON.parse(text);
        } catch {
          parseFailures++;
        }
      } catch {
        // Not created yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();

  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      lab.run(['deploy', '--yes', '--json', '--env', `p${i}`], { cwd: project, timeoutMs: 240_000 }),
    ),
  );
  running = false;
  await watcher;

  const failed = results.filter((result) => result.code !== 0);
  expect(failed.map((result) => result.stderr)).toEqual([]);
  const ids = results.map((result) => JSON.parse(result.stdout).id as string);
  expect(new Set(ids).size).toBe(50);
  const records: DeploymentRecord[] = JSON.parse(readFileSync(registryFile, 'utf8')).deployments;
  expect(records.map((r) => r.id).sort()).toEqual([...ids].sort());
  expect(records.every((r) => r.status === 'active' && r.linodeId !== undefined)).toBe(true);
  expect(lab.fake.listInstances()).toHaveLength(50);
  expect(reads).toBeGreaterThan(0);
  expect(parseFailures).toBe(0);
});
