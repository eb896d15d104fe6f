/**
 * status and destroy against many deployments, some known only by tags, some whose instance is
 * gone: one paged list for everything, adopt, prune, and prefix rules.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DeploymentRecord } from '../../src/state/types.js';
import { type Lab, labToken, startLab } from '../fake-linode/harness.js';
import { deploymentRecord } from './fixtures.js';

let lab: Lab;
const registryFile = () => path.join(lab.home, '.local/state/linode-build/registry.json');
const readRecords = (): DeploymentRecord[] => JSON.parse(readFileSync(registryFile(), 'utf8')).deployments;

function writeRecords(records: DeploymentRecord[]): void {
  mkdirSync(path.dirname(registryFile()), { recursive: true });
  writeFileSync(registryFile(), JSON.stringify({ version: 1, deployments: records }));
}

function record(id: string, fields: Partial<DeploymentRecord> = {}): DeploymentRecord {
  const health = {
    type: 'http',
    path: '/health',
    success_codes: [200],
    initial_delay_seconds: 0,
    timeout_seconds: 5,
    interval_seconds: 1,
    max_retries: 1,
  } as const;
  return deploymentRecord(id, { health, ...fields });
}

function seed(id: string, app = 'svc', env = 'prod') {
  return lab.fake.seedInstance({
    label: `${app}-${env}-${id}`,
    region: 'us-ord',
    type: 'g6-standard-2',
    tags: [`build-id:${id}`, `build-app:${app}`, `build-env:${env}`, 'build-tmpl:chat-agent'],
  });
}

beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab.close());
beforeEach(() => {
  for (const instance of lab.fake.listInstances()) lab.fake.removeInstance(instance.id);
  writeRecords([]);
  lab.fake.clearLog();
});

describe('status over many deployments', () => {
  it('lists 200 deployments with at most 3 API requests', async () => {
    const records: DeploymentRecord[] = [];
    for (let i = 0; i < 200; i++) {
      const id = `m${String(i).padStart(7, '0')}`;
      const instance = seed(id);
      records.push(record(id, { linodeId: instance.id, ipv4: instance.ipv4[0]! }));
    }
    // Someone else's untagged instance must not show up.
    lab.fake.seedInstance({ label: 'not-ours', region: 'us-ord', type: 'g6-nanode-1', tags: ['other'] });
    writeRecords(records);
    lab.fake.clearLog();
    const result = await lab.run(['status', '--all', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const views = JSON.parse(result.stdout) as {
      id: string;
      health: string;
      hourlyPrice: number;
      source: string;
    }[];
    expect(views).toHaveLength(200);
    expect(views.every((v) => v.source === 'both' && v.health === 'healthy' && v.hourlyPrice === 0.036)).toBe(
      true,
    );
    expect(lab.fake.requests.length).toBeLessThanOrEqual(3);
    expect(lab.fake.countRequests({ path: /^\/linode\/instances\/\d+$/ })).toBe(0);
  });

  it('narrows the list on the server with an X-Filter on tags', async () => {
    seed('aaaa0001', 'web', 'prod');
    seed('aaaa0002', 'web', 'staging');
    const result = await lab.run([
      'status',
      '--app',
      'web',
      '--env',
      'staging',
      '--json',
      '--no-health',
      '--debug',
    ]);
    expect(JSON.parse(result.stdout).map((v: { id: string }) => v.id)).toEqual(['aaaa0002']);
    // --debug traces each request (never the token).
    expect(result.stderr).toMatch(
      /API GET \/v4beta\/linode\/instances X-Filter \{"\+and".*\} → 200 in \d+ ms/,
    );
    expect(result.stderr).not.toContain(labToken);
    const listing = lab.fake.requests.find((r) => r.path === '/linode/instances');
    expect(JSON.parse(listing!.filter!)).toEqual({
      '+and': [{ tags: 'build-app:web' }, { tags: 'build-env:staging' }],
    });
  });
});

describe('adopt and prune', () => {
  it('shows tag-only deployments, adopts them, and prunes records whose instance is gone', async () => {
    seed('tag00001', 'elsewhere', 'dev');
    writeRecords([
      record('gone0001', { linodeId: 1 }),
      record('mid00001', { status: 'creating', updatedAt: new Date().toISOString() }),
    ]);

    const before = await lab.run(['status', '--all', '--no-health']);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(
      /tag00001\s+elsewhere\s+dev\s+us-ord\s+g6-standard-2\s+running \(untracked\)/,
    );
    expect(before.stdout).toMatch(/gone0001 .* missing/);
    expect(before.stderr).toContain("add them with 'linode-build status --adopt'");
    expect(before.stderr).toContain("remove them with 'linode-build status --prune'");

    const reconciled = await lab.run(['status', '--all', '--adopt', '--prune', '--no-health']);
    expect(reconciled.code, reconciled.stderr).toBe(0);
    expect(reconciled.stderr).toContain('Adopted 1 deployment(s)');
    expect(reconciled.stderr).toContain('Pruned 1 record(s)');
    const ids = readRecords()
      .map((r) => r.id)
      .sort();
    // The in-flight `creating` record is young: never pruned under a running deploy.
    expect(ids).toEqual(['mid00001', 'tag00001']);
    expect(readRecords().find((r) => r.id === 'tag00001')).toMatchObject({
      app: 'elsewhere',
      env: 'dev',
      status: 'active',
    });
  });
});

describe('destroy selection', () => {
  it('refuses an ambiguous prefix, listing the candidates, and deletes nothing', async () => {
    seed('abcd0001');
    seed('abcd0002');
    const result = await lab.run(['destroy', 'abcd', '--yes']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /"abcd" matches 2 deployments: abcd000[12] \(svc, prod\), abcd000[12] \(svc, prod\)/,
    );
    expect(lab.fake.listInstances()).toHaveLength(2);
    expect(lab.fake.countRequests({ method: 'DELETE' })).toBe(0);
  });

  it('refuses --app/--env matching several, and destroys a unique prefix known only by tags', async () => {
    seed('efgh0001', 'api', 'prod');
    seed('ijkl0001', 'api', 'prod');
    const several = await lab.run(['destroy', '--app', 'api', '--yes']);
    expect(several.code).toBe(1);
    expect(several.stderr).toMatch(/2 deployments match app api/);
    const one = await lab.run(['destroy', 'efgh', '--yes']);
    expect(one.code, one.stderr).toBe(0);
    expect(lab.fake.listInstances().map((i) => i.label)).toEqual(['api-prod-ijkl0001']);
  });

  it('never picks a deployment by template name: a fresh project with no state has nothing to destroy', async () => {
    seed('mnop0001', 'chat-agent', 'default');
    const project = path.join(lab.home, 'fresh');
    mkdirSync(project, { recursive: true });
    writeFileSync(path.join(project, 'deploy.yml'), 'name: chat-agent\n');
    const result = await lab.run(['destroy', '--yes'], { cwd: project });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/which deployment\?/);
    expect(lab.fake.listInstances()).toHaveLength(1);
  });

  it('needs --yes without a terminal', async () => {
    seed('qrst0001');
    const result = await lab.run(['destroy', 'qrst0001']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Pass --yes/);
    expect(lab.fake.listInstances()).toHaveLength(1);
  });
});
