/**
 * A flaky API: 30 % of responses fail (429 with Retry-After, 500, 503, connections dropped
 * before or after the server acted) and, on top, the response to every instance create is
 * dropped once after the instance was made. Every command either succeeds or fails with an
 * `Error:` line and a `Hint:` line (no stack trace); no deployment ever gets two instances or two
 * firewalls; and the registry never holds a half-made record (an active record always points
 * at an instance that exists, and every instance has a record). A dead API gives a clear
 * failure and leaves nothing billed behind.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import type { CliResult } from '../support/cli.js';
import { buildIdOf, isClearFailure, readRegistry } from './support.js';

let lab: Lab;

const slow = { timeoutMs: 240_000 };

function expectSucceededOrClear(result: CliResult, what: string): void {
  const ok = result.code === 0 || (result.code === 1 && isClearFailure(result));
  expect(ok, `${what} exited ${result.code}:\n${result.stderr.slice(-1500)}`).toBe(true);
}

/** The fake and the registry agree, and nothing is duplicated. */
function expectConsistent(lab: Lab): void {
  const instances = lab.fake.listInstances();
  const firewalls = lab.fake.listFirewalls();
  const records = readRegistry(lab.home);
  const ids = instances.map((instance) => buildIdOf(instance.tags));
  expect(new Set(ids).size, 'two instances for one deployment').toBe(ids.length);
  const firewallIds = firewalls.map((firewall) => buildIdOf(firewall.tags));
  expect(new Set(firewallIds).size, 'two firewalls for one deployment').toBe(firewallIds.length);
  for (const instance of instances) {
    const record = records.find((r) => r.id === buildIdOf(instance.tags));
    expect(record, `instance ${instance.label} has no registry record`).toBeDefined();
  }
  for (const record of records.filter((r) => r.status === 'active')) {
    expect(
      instances.some((instance) => instance.id === record.linodeId),
      `active record ${record.id} points at no instance`,
    ).toBe(true);
  }
}

describe('30 % API faults', () => {
  beforeAll(async () => {
    lab = await startLab({ faults: { rate: 0.3, maxConsecutive: 3, retryAfterSeconds: 1 }, seed: 1234 });
  });
  afterAll(() => lab.close());

  it('deploy with dropped create responses never duplicates, and every command ends clearly', {
    timeout: 900_000,
  }, async () => {
    const project = await lab.project('faulty', 'embeddings-python');
    const deployed: string[] = [];
    for (const env of ['f1', 'f2', 'f3']) {
      lab.fake.injectOnce('drop-after', { method: 'POST', path: /^\/linode\/instances$/ });
      lab.fake.injectOnce('drop-after', { method: 'POST', path: /^\/networking\/firewalls$/ });
      const result = await lab.run(['deploy', '--yes', '--json', '--env', env], { cwd: project, ...slow });
      expectSucceededOrClear(result, `deploy --env ${env}`);
      if (result.code === 0) deployed.push(JSON.parse(result.stdout).id as string);
      expectConsistent(lab);
    }
    expect(lab.fake.requests.some((r) => r.fault === 'drop-after' && r.method === 'POST')).toBe(true);
    expect(deployed.length).toBeGreaterThan(0);

    const status = await lab.run(['status', '--all', '--json', '--no-health'], slow);
    expectSucceededOrClear(status, 'status');
    if (status.code === 0) {
      const shown = (JSON.parse(status.stdout) as { id: string }[]).map((view) => view.id);
      for (const id of deployed) expect(shown).toContain(id);
    }

    for (const id of deployed) {
      const result = await lab.run(['destroy', id, '--yes'], slow);
      expectSucceededOrClear(result, `destroy ${id}`);
      expectConsistent(lab);
    }
  });
});

describe('persistent API failures', () => {
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(() => lab.close());

  it('a create that keeps failing is rolled back: a clear error, no instance, firewall or record', {
    timeout: 300_000,
  }, async () => {
    const project = await lab.project('refused', 'embeddings-python');
    const firewallsBefore = lab.fake.listFirewalls().length;
    // More failures than the client's attempts: the create definitely fails.
    for (let i = 0; i < 12; i++)
      lab.fake.injectOnce('server-error', { method: 'POST', path: /^\/linode\/instances$/ });
    const deploy = await lab.run(['deploy', '--yes', '--json', '--env', 'refused'], {
      cwd: project,
      ...slow,
    });
    expect(deploy.code).toBe(1);
    expect(isClearFailure(deploy), deploy.stderr).toBe(true);
    expect(lab.fake.listInstances().filter((i) => i.tags.includes('build-env:refused'))).toEqual([]);
    expect(lab.fake.listFirewalls()).toHaveLength(firewallsBefore);
    expect(readRegistry(lab.home).filter((r) => r.env === 'refused')).toEqual([]);
    // The secrets written before the create went with the rollback.
    const secrets = path.join(lab.home, '.local/state/linode-build/secrets');
    expect(existsSync(secrets) ? readdirSync(secrets) : []).toEqual([]);
    expectConsistent(lab);
  });

  it('a dead API fails deploy and status with a clear message and creates nothing', {
    timeout: 300_000,
  }, async () => {
    const project = await lab.project('dead', 'embeddings-python');
    const before = lab.fake.listInstances().length;
    lab.fake.configure({
      faults: { rate: 1, kinds: ['server-error', 'drop-before'], maxConsecutive: 1_000_000 },
    });
    try {
      const deploy = await lab.run(['deploy', '--yes', '--json', '--env', 'dead'], { cwd: project, ...slow });
      expect(deploy.code).toBe(1);
      expect(isClearFailure(deploy), deploy.stderr).toBe(true);
      const status = await lab.run(['status', '--all', '--json', '--no-health'], slow);
      expect(status.code).toBe(1);
      expect(isClearFailure(status), status.stderr).toBe(true);
    } finally {
      lab.fake.configure({ faults: { rate: 0 } });
    }
    expect(lab.fake.listInstances()).toHaveLength(before);
    expect(readRegistry(lab.home).filter((r) => r.env === 'dead' && r.status === 'active')).toEqual([]);
    expectConsistent(lab);
  });
});
