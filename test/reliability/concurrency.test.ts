/**
 * Parallel deploy / status / destroy mixes on one registry: when they are all done, the
 * registry and the fake API agree exactly (the same deployment ids, each with its instance),
 * every status run printed parseable JSON, and the registry parsed at every moment we looked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { buildIdOf, readRegistry, registryFile } from './support.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ latencyMs: 5 });
});
afterAll(() => lab.close());

it('deploys, status runs and destroys at once keep the registry consistent with the fake', {
  timeout: 600_000,
}, async () => {
  const project = await lab.project('mixed', 'embeddings-python');
  const deploy = async (env: string) => {
    const result = await lab.run(['deploy', '--yes', '--json', '--env', env], {
      cwd: project,
      timeoutMs: 240_000,
    });
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout).id as string;
  };
  const first = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map(deploy));

  let reads = 0;
  let running = true;
  const torn: string[] = [];
  const sampler = (async () => {
    while (running) {
      if (existsSync(registryFile(lab.home))) {
        const text = readFileSync(registryFile(lab.home), 'utf8');
        reads++;
        try {
          JSON.parse(text);
        } catch {
          torn.push(text.slice(0, 200));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
  })();

  const destroyed = first.slice(0, 3);
  const [statusRuns, destroys, second] = await Promise.all([
    Promise.all(
      Array.from({ length: 4 }, () =>
        lab.run(['status', '--all', '--json', '--no-health'], { timeoutMs: 240_000 }),
      ),
    ),
    Promise.all(destroyed.map((id) => lab.run(['destroy', id, '--yes'], { timeoutMs: 240_000 }))),
    Promise.all(['g', 'h', 'i'].map(deploy)),
  ]);
  running = false;
  await sampler;

  for (const result of [...statusRuns, ...destroys]) expect(result.code, result.stderr).toBe(0);
  for (const result of statusRuns) expect(Array.isArray(JSON.parse(result.stdout))).toBe(true);
  expect(reads).toBeGreaterThan(0);
  expect(torn).toEqual([]);

  const expected = [...first.slice(3), ...second].sort();
  const records = readRegistry(lab.home);
  expect(records.map((r) => r.id).sort()).toEqual(expected);
  const instances = lab.fake.listInstances();
  expect(instances.map((instance) => buildIdOf(instance.tags)).sort()).toEqual(expected);
  for (const record of records) {
    expect(record.status).toBe('active');
    expect(instances.find((instance) => instance.id === record.linodeId)).toBeDefined();
  }
  expect(
    lab.fake
      .listFirewalls()
      .map((firewall) => buildIdOf(firewall.tags))
      .sort(),
  ).toEqual(expected);
});
