/** The pure and local parts of deploy/status/destroy, without the CLI binary. */
import { CreateLinodeSchema } from '@linode/validation';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportBoot } from '../../src/deploy/boot-watch.js';
import { deploymentIdAlphabet, generateRootPassword, newDeploymentId } from '../../src/deploy/identity.js';
import { checkUserDataSize } from '../../src/deploy/preflight.js';
import { parsePublicKeys } from '../../src/deploy/ssh-keys.js';
import { destroyHint } from '../../src/deploy/wait.js';
import { selectDeployment } from '../../src/destroy/select.js';
import type { CliError } from '../../src/errors.js';
import type { DeployPlan } from '../../src/plan/types.js';
import type { DeploymentRecord } from '../../src/state/types.js';
import { instanceFilter } from '../../src/status/collect.js';
import { appUrl, healthAddress, linodeHostname } from '../../src/status/endpoint.js';
import { probeHealth } from '../../src/status/health.js';
import { accruedCost, type InstanceFacts, mergeDeployments, parseApiTime } from '../../src/status/merge.js';
import type { DeploymentView } from '../../src/status/types.js';
import { fakeTypes } from '../fake-linode/catalog.js';
import { type HealthApp, startHealthApp } from '../fake-linode/health.js';
import { deploymentRecord } from './fixtures.js';

const now = new Date('2026-03-01T12:00:00Z');

function record(id: string, fields: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return deploymentRecord(id, {
    externalPort: 8080,
    createdAt: '2026-03-01T10:00:00.000Z',
    updatedAt: '2026-03-01T10:00:00.000Z',
    ...fields,
  });
}

function instance(id: string, fields: Partial<InstanceFacts> = {}): InstanceFacts {
  return {
    id: 100,
    label: `x-${id}`,
    status: 'running',
    region: 'us-ord',
    type: 'g6-standard-2',
    ipv4: ['192.0.2.10'],
    tags: [`build-id:${id}`, 'build-app:remote', 'build-env:dev', 'build-tmpl:llm-api'],
    created: '2026-03-01T09:30:00',
    ...fields,
  };
}

describe('mergeDeployments', () => {
  it('joins registry and tags, marks missing and untracked, and prices from the types list', () => {
    const views = mergeDeployments({
      records: [record('both0001'), record('gone0001', { linodeId: 5 })],
      instances: [
        instance('both0001'),
        instance('tags0001', { region: 'br-gru', created: '2026-01-01T00:00:00' }),
      ],
      types: fakeTypes,
      now,
    });
    const byId = new Map(views.map((v) => [v.id, v]));
    expect(byId.get('both0001')).toMatchObject({
      source: 'both',
      instanceStatus: 'running',
      app: 'svc',
      url: 'http://192-0-2-10.ip.linodeusercontent.com:8080',
      hourlyPrice: 0.036,
      accruedCost: 0.108,
    });
    expect(byId.get('gone0001')).toMatchObject({
      source: 'registry',
      instanceStatus: 'missing',
      linodeId: 5,
    });
    expect(byId.get('gone0001')!.accruedCost).toBeUndefined();
    expect(byId.get('tags0001')).toMatchObject({
      source: 'tags',
      recordStatus: 'untracked',
      app: 'remote',
      env: 'dev',
      template: 'llm-api',
      hourlyPrice: 0.05,
    });
    // A month-old instance is capped at the regional monthly price.
    expect(byId.get('tags0001')!.accruedCost).toBe(36.5);
    // No URL without a known published port: never `http://:None`.
    expect(byId.get('tags0001')!.url).toBeUndefined();
  });

  it('accrues per started hour and never beyond the monthly cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 90 * 24 * 60 }), (minutes) => {
        const cost = accruedCost({ hourly: 0.1, monthly: 73 }, 0, minutes * 60_000);
        expect(cost).toBeGreaterThanOrEqual(0.1);
        expect(cost).toBeLessThanOrEqual(73);
      }),
    );
    expect(parseApiTime('2026-03-01T09:30:00')).toBe(Date.parse('2026-03-01T09:30:00Z'));
  });
});

describe('the hint after a failed wait', () => {
  it("names linode-build's own commands: logs --boot with a watcher, ssh ID -- tail otherwise", () => {
    const tail = "'linode-build ssh abcd1234 -- tail -n 50 /var/log/cloud-init-output.log'";
    const destroy = "remove it with 'linode-build destroy abcd1234'.";
    expect(destroyHint({ id: 'abcd1234', ipv4: '192.0.2.1', watcherPort: 9090 })).toBe(
      `See the boot steps with 'linode-build logs abcd1234 --boot' or the boot log with ${tail}; the instance was left running for inspection: ${destroy}`,
    );
    expect(destroyHint({ id: 'abcd1234', ipv4: '192.0.2.1' })).toBe(
      `Inspect it with ${tail}; the instance was left running for inspection: ${destroy}`,
    );
    expect(destroyHint({ id: 'abcd1234' })).toBe(`The instance was left running for inspection: ${destroy}`);
    expect(destroyHint({ id: 'abcd1234', ipv4: '192.0.2.1' })).not.toContain('root@');
  });
});

describe('destroy selection', () => {
  const view = (id: string, app = 'svc', env = 'prod') => ({ id, app, env }) as DeploymentView;

  it('refuses an id matching nothing, naming the closest deployments, unless told to ignore it', () => {
    const views = [view('abcd0001', 'chat', 'prod'), view('zzzz9990', 'api', 'dev'), view('mmmm0003')];
    for (const id of ['zzzz9999', 'zz9']) {
      let error: unknown;
      try {
        selectDeployment({ id, views, records: [], cwd: '/p' });
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ exitCode: 1, message: `no deployment matches '${id}'.` });
      // Closest first, with app and env, and the way out for scripts.
      expect((error as CliError).hint).toMatch(/^Deployments: zzzz9990 \(api, dev\), /);
      expect((error as CliError).hint).toContain('--ignore-not-found');
    }
    expect(() => selectDeployment({ id: 'x', views: [], records: [], cwd: '/p' })).toThrow(
      /there are none in the registry or on Linode/,
    );
    expect(() => selectDeployment({ app: 'chta', views, records: [], cwd: '/p' })).toThrow(
      /^no deployment matches app chta\.$/,
    );
    expect(selectDeployment({ id: 'zzzz9999', views, records: [], cwd: '/p', ignoreNotFound: true })).toEqual(
      { kind: 'nothing', subject: 'zzzz9999', reason: 'no such deployment in the registry or on Linode' },
    );
    expect(
      selectDeployment({ app: 'nope', views, records: [], cwd: '/p', ignoreNotFound: true }),
    ).toMatchObject({
      kind: 'nothing',
      subject: 'app nope',
    });
  });

  it('reports a deployment the registry remembers destroying as nothing to destroy, by id or prefix', () => {
    const destroyed = [{ id: 'gone0001', app: 'svc', env: 'prod', destroyedAt: '2026-03-01T11:00:00.000Z' }];
    for (const id of ['gone0001', 'gone']) {
      expect(selectDeployment({ id, views: [view('abcd0001')], records: [], destroyed, cwd: '/p' })).toEqual({
        kind: 'nothing',
        id: 'gone0001',
        subject: 'gone0001',
        reason: 'destroyed at 2026-03-01T11:00:00.000Z',
      });
    }
    // A live deployment with the prefix wins over the memory.
    expect(
      selectDeployment({ id: 'gone', views: [view('gone0002')], records: [], destroyed, cwd: '/p' }),
    ).toMatchObject({ kind: 'target', target: { id: 'gone0002' } });
  });

  it("uses only the project's recorded id, and reports a destroyed project", () => {
    const views = [view('abcd0001'), view('efgh0002')];
    const project = {
      version: 1,
      deploymentId: 'efgh0002',
      app: 'svc',
      env: 'prod',
      region: 'r',
      type: 't',
      createdAt: '',
    } as const;
    const chosen = selectDeployment({ views, records: [], project, cwd: '/proj' });
    expect(chosen).toMatchObject({ kind: 'target', target: { id: 'efgh0002', projectDir: '/proj' } });
    const destroyed = selectDeployment({
      views,
      records: [],
      project: { ...project, destroyedAt: 'then' },
      cwd: '/proj',
    });
    expect(destroyed).toMatchObject({ kind: 'nothing', reason: 'destroyed at then' });
  });
});

describe('identity', () => {
  it('makes 8-character ids from the lowercase alphabet', () => {
    for (let i = 0; i < 200; i++) {
      const id = newDeploymentId();
      expect(id).toHaveLength(8);
      expect([...id].every((c) => deploymentIdAlphabet.includes(c))).toBe(true);
    }
  });

  it('makes root passwords Linode accepts, all different', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const password = generateRootPassword();
      expect(password).toHaveLength(32);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[0-9]/);
      expect(password).toMatch(/[^A-Za-z0-9]/);
      seen.add(password);
      await CreateLinodeSchema.validate({
        type: 'g6-nanode-1',
        region: 'us-east',
        image: 'linode/ubuntu24.04',
        root_pass: password,
      });
    }
    expect(seen.size).toBe(50);
  });
});

describe('inputs', () => {
  it('accepts OpenSSH public keys and refuses private keys without echoing them', () => {
    expect(parsePublicKeys('ssh-ed25519 AAAAC3Nza user@host\n# comment\n', 'k.pub')).toEqual([
      'ssh-ed25519 AAAAC3Nza user@host',
    ]);
    const secret =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
    expect(() => parsePublicKeys(secret, 'id_ed25519')).toThrow(/is a private key/);
    try {
      parsePublicKeys(secret, 'id_ed25519');
    } catch (error) {
      expect(String(error)).not.toContain('b3BlbnNzaC1rZXktdjEAAAAA');
    }
    expect(() => parsePublicKeys('not a key', 'x.pub')).toThrow(/does not hold an OpenSSH public key/);
  });

  it('refuses oversized user-data naming the largest parts', () => {
    const plan = {
      size: { total: 70_000, limit: 65_535, parts: [{ name: 'gpu-nvidia', bytes: 40_000 }] },
    } as unknown as DeployPlan;
    expect(() => checkUserDataSize(plan)).toThrow(
      /70000 bytes, over Linode's limit of 65535 \(largest parts: gpu-nvidia 40000 B\)/,
    );
  });

  it('builds server-side filters only from exact values', () => {
    expect(instanceFilter({})).toEqual({});
    expect(instanceFilter({ id: 'abcd1234' })).toEqual({ tags: 'build-id:abcd1234' });
    expect(instanceFilter({ id: 'abc' })).toEqual({});
    expect(instanceFilter({ app: 'a', env: 'e' })).toEqual({
      '+and': [{ tags: 'build-app:a' }, { tags: 'build-env:e' }],
    });
  });

  it('derives hostnames and URLs, and lets tests redirect health checks', () => {
    expect(linodeHostname('192.0.2.1')).toBe('192-0-2-1.ip.linodeusercontent.com');
    expect(appUrl('h', 80)).toBe('http://h');
    expect(appUrl('h', undefined)).toBeUndefined();
    expect(healthAddress('192.0.2.1', 8080, {})).toBe('192.0.2.1:8080');
    expect(healthAddress('192.0.2.1', 8080, { LINODE_BUILD_HEALTH_HOST: '127.0.0.1:9' })).toBe('127.0.0.1:9');
  });
});

describe('probeHealth', () => {
  let app: HealthApp;
  beforeAll(async () => {
    app = await startHealthApp();
  });
  afterAll(() => app.close());
  const check = { type: 'http' as const, path: '/ready', success_codes: [200], timeout_seconds: 2 };

  it('reports success, HTTP failures, refused connections and TCP checks', async () => {
    expect(await probeHealth(check, app.address)).toEqual({ ok: true, detail: 'HTTP 200' });
    expect(app.hits.at(-1)).toBe('/ready');
    app.setStatus(503);
    expect(await probeHealth(check, app.address)).toEqual({ ok: false, detail: 'HTTP 503' });
    app.setStatus(200);
    expect(await probeHealth({ ...check, success_codes: [204] }, app.address)).toMatchObject({ ok: false });
    const closed = await startHealthApp();
    await closed.close();
    expect(await probeHealth(check, closed.address)).toEqual({ ok: false, detail: 'connection refused' });
    // Ports fetch() refuses (e.g. 6000) are still probed.
    expect((await probeHealth(check, '127.0.0.1:6000')).detail).not.toMatch(/bad port/);
    expect(await probeHealth({ ...check, type: 'tcp' }, app.address)).toEqual({
      ok: true,
      detail: 'TCP connect',
    });
  });
});

describe('boot progress from the watcher', () => {
  const boot = (steps: { id: string; state: string; exit_code?: number; output_tail?: string }[]) => ({
    cloud_init: { status: 'running', errors: [] },
    state: 'running',
    steps: steps.map((s) => ({ capability: 'docker', name: s.id, description: `step ${s.id}`, ...s })),
  });

  it('reports each transition once and detects a failed step with its output tail', () => {
    const lines: string[] = [];
    const reported = new Map<string, string>();
    expect(
      reportBoot(
        boot([
          { id: 'a', state: 'running' },
          { id: 'b', state: 'pending' },
        ]),
        reported,
        (l) => lines.push(l),
      ),
    ).toBeUndefined();
    expect(
      reportBoot(
        boot([
          { id: 'a', state: 'running' },
          { id: 'b', state: 'pending' },
        ]),
        reported,
        (l) => lines.push(l),
      ),
    ).toBeUndefined();
    const failure = reportBoot(
      boot([
        { id: 'a', state: 'ok' },
        { id: 'b', state: 'failed', exit_code: 2, output_tail: 'x\n\u001b[31mboom\u001b[0m\n' },
      ]),
      reported,
      (l) => lines.push(l),
    );
    expect(lines).toEqual([
      'Boot: docker: step a: running',
      'Boot: docker: step a: ok',
      'Boot: docker: step b: failed (exit 2)',
    ]);
    expect(failure?.message).toBe('boot step docker: step b failed with exit code 2.');
    expect(failure?.lastLines.at(-1)).not.toContain('\u001b');
  });

  it('treats cloud-init errors as a failed boot', () => {
    const failure = reportBoot(
      { cloud_init: { status: 'error', errors: ['modules-final failed'] }, state: 'unknown', steps: [] },
      new Map(),
      () => undefined,
    );
    expect(failure).toEqual({
      message: 'cloud-init reported errors during boot.',
      lastLines: ['modules-final failed'],
    });
  });
});
