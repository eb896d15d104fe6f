/**
 * With 30 % of API responses failing (429 with Retry-After, 500, 503, connections dropped before
 * or after the server acted), deploy, status and destroy still succeed, and the fake ends up
 * with exactly one instance and one firewall per deployment, then none.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';

let lab: Lab;
// Retries honour Retry-After and the machine may be busy with other suites: allow each run time.
const slow = 240_000;
beforeAll(async () => {
  lab = await startLab({ faults: { rate: 0.3, maxConsecutive: 3, retryAfterSeconds: 1 }, seed: 42 });
});
afterAll(() => lab.close());

it('deploy, status and destroy survive a flaky API without duplicates', { timeout: 900_000 }, async () => {
  const project = await lab.project('flaky', 'embeddings-python');
  const ids: string[] = [];
  for (const env of ['a', 'b', 'c']) {
    const result = await lab.run(
      ['deploy', '--yes', '--json', '--env', env, ...(env === 'a' ? ['--wait'] : [])],
      { cwd: project, timeoutMs: slow },
    );
    expect(result.code, `exit ${result.code}: ${result.stderr.slice(-1500)}`).toBe(0);
    ids.push(JSON.parse(result.stdout).id);
  }
  const faults = lab.fake.requests.filter((r) => r.fault);
  expect(faults.length).toBeGreaterThan(3);
  expect(new Set(faults.map((r) => r.fault)).size).toBeGreaterThan(2);

  for (const id of ids) {
    expect(lab.fake.listInstances().filter((i) => i.tags.includes(`build-id:${id}`))).toHaveLength(1);
    expect(lab.fake.listFirewalls().filter((f) => f.tags.includes(`build-id:${id}`))).toHaveLength(1);
  }
  expect(lab.fake.listInstances()).toHaveLength(3);

  const status = await lab.run(['status', '--all', '--json', '--no-health'], { timeoutMs: slow });
  expect(status.code, `exit ${status.code}: ${status.stderr.slice(-1500)}`).toBe(0);
  expect((JSON.parse(status.stdout) as { id: string }[]).map((v) => v.id).sort()).toEqual([...ids].sort());

  for (const id of ids) {
    const result = await lab.run(['destroy', id, '--yes'], { timeoutMs: slow });
    expect(result.code, `exit ${result.code}: ${result.stderr.slice(-1500)}`).toBe(0);
  }
  expect(lab.fake.listInstances()).toHaveLength(0);
  expect(lab.fake.listFirewalls()).toHaveLength(0);
  const registry = JSON.parse(
    readFileSync(path.join(lab.home, '.local/state/linode-build/registry.json'), 'utf8'),
  );
  expect(registry.deployments).toEqual([]);
});
