import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { LinodeClient } from '../../src/linode/client.js';
import type { InstanceCreateBody } from '../../src/plan/types.js';
import { FakeLinode } from '../fake-linode/server.js';
import { fakeClientEnv, instantClock } from './support.js';

const token = 'tok-canary-7f3e9a1b2c';

function body(id: string, overrides: Partial<InstanceCreateBody> = {}): InstanceCreateBody {
  return {
    label: `build-test-${id}`,
    region: 'us-east',
    type: 'g6-standard-2',
    image: 'linode/ubuntu24.04',
    root_pass: 'Xy7!kP2#mQ9$wR4%tZ8^vB3&nL6*',
    tags: [`build-id:${id}`, 'build-app:test'],
    metadata: { user_data: Buffer.from('#cloud-config\n').toString('base64') },
    ...overrides,
  };
}

let fake: FakeLinode;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  fake = await new FakeLinode({ token, provisionMs: 0, bootMs: 0 }).start();
  env = fakeClientEnv(fake, token);
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.configure({ faults: undefined, instanceLimit: undefined });
  fake.clearLog();
});

describe('LinodeClient against the fake API', () => {
  it('redirects to LINODE_API_URL keeping the /v4beta path, with the bearer token', async () => {
    const client = await LinodeClient.connect(env);
    await client.listInstances();
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({ path: '/linode/instances', apiVersion: 'v4beta' });
    expect(fake.requests[0]!.query).toContain('page_size=500');
    expect(fake.requests[0]!.authorization).toBe(`Bearer ${token}`);
  });

  it('follows every page of a list', async () => {
    for (let i = 0; i < 1100; i++) {
      fake.seedInstance({ label: `pg-${i}`, region: 'us-east', type: 'g6-nanode-1', tags: ['paging'] });
    }
    const client = await LinodeClient.connect(env);
    const all = await client.instancesWithTag('paging');
    expect(all).toHaveLength(1100);
    expect(new Set(all.map((i) => i.id)).size).toBe(1100);
    expect(fake.countRequests({ path: /^\/linode\/instances$/ })).toBe(3);
    for (const instance of all) fake.removeInstance(instance.id);
  });

  it('filters by tag on the server (X-Filter)', async () => {
    const client = await LinodeClient.connect(env);
    await client.createInstance(body('aaaa0001'), 'build-id:aaaa0001');
    await client.createInstance(body('aaaa0002'), 'build-id:aaaa0002');
    fake.clearLog();
    const found = await client.instancesWithTag('build-id:aaaa0002');
    expect(found.map((i) => i.label)).toEqual(['build-test-aaaa0002']);
    expect(JSON.parse(fake.requests[0]!.filter!)).toEqual({ tags: 'build-id:aaaa0002' });
  });

  it('honours Retry-After on 429 and retries 5xx and dropped connections', async () => {
    const delays: number[] = [];
    const client = await LinodeClient.connect(env, { clock: instantClock(delays) });
    fake.injectOnce('rate-limit', { method: 'GET' });
    fake.configure({ faults: { rate: 0, retryAfterSeconds: 7 } });
    fake.injectOnce('unavailable', { method: 'GET' });
    fake.injectOnce('drop-before', { method: 'GET' });
    await client.listInstances();
    expect(fake.requests.map((r) => r.status)).toEqual([429, 503, 'dropped', 200]);
    expect(delays[0]).toBeGreaterThanOrEqual(7000);
    expect(delays).toHaveLength(3);
  });

  it('gives up after the bounded number of attempts with an actionable error', async () => {
    const delays: number[] = [];
    const client = await LinodeClient.connect(env, {
      clock: instantClock(delays),
      policy: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100, maxTotalMs: 10_000 },
    });
    fake.configure({ faults: { rate: 1, kinds: ['server-error'], maxConsecutive: 100 } });
    const error = await client.listInstances().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).message).toMatch(/failed while listing instances .*500/);
    expect(fake.requests).toHaveLength(3);
  });

  it('never creates twice when the create response is lost', async () => {
    const client = await LinodeClient.connect(env, { clock: instantClock([]) });
    fake.injectOnce('drop-after', { method: 'POST', path: /instances$/ });
    fake.injectOnce('server-error', { method: 'GET', path: /instances$/ });
    const created = await client.createInstance(body('bbbb0001'), 'build-id:bbbb0001');
    expect(created.label).toBe('build-test-bbbb0001');
    expect(fake.listInstances().filter((i) => i.tags.includes('build-id:bbbb0001'))).toHaveLength(1);
    expect(fake.countRequests({ method: 'POST' })).toBe(1);
  });

  it('re-creates after a lost create only when the lookup finds nothing', async () => {
    const client = await LinodeClient.connect(env, { clock: instantClock([]) });
    fake.injectOnce('drop-before', { method: 'POST', path: /instances$/ });
    await client.createInstance(body('bbbb0002'), 'build-id:bbbb0002');
    expect(fake.listInstances().filter((i) => i.tags.includes('build-id:bbbb0002'))).toHaveLength(1);
    expect(fake.countRequests({ method: 'POST' })).toBe(2);
  });

  it('creates a firewall once even when its response is lost', async () => {
    const client = await LinodeClient.connect(env, { clock: instantClock([]) });
    fake.injectOnce('drop-after', { method: 'POST', path: /firewalls$/ });
    const firewall = await client.createFirewall({
      label: 'build-fw-cccc0001',
      tags: ['build-id:cccc0001'],
      rules: { inbound_policy: 'DROP', outbound_policy: 'ACCEPT', inbound: [], outbound: [] },
    });
    expect(firewall.label).toBe('build-fw-cccc0001');
    expect(fake.listFirewalls().filter((f) => f.label === 'build-fw-cccc0001')).toHaveLength(1);
  });

  it('turns a validation failure into one line naming the field and what to do', async () => {
    const client = await LinodeClient.connect(env);
    const error = (await client
      .createInstance(body('dddd0001', { region: 'eu-west' }), 'build-id:dddd0001')
      .catch((e: unknown) => e)) as CliError;
    expect(error).toBeInstanceOf(CliError);
    expect(error.message).toContain('metadata: Metadata is not available in region eu-west');
    expect(error.hint).toMatch(/Metadata capability/);
  });

  it('recognises the account limit', async () => {
    fake.configure({ instanceLimit: 0 });
    const client = await LinodeClient.connect(env);
    const error = (await client
      .createInstance(body('dddd0002'), 'build-id:dddd0002')
      .catch((e) => e)) as CliError;
    expect(error.message).toMatch(/account limit reached/);
    expect(error.hint).toMatch(/raise the limit/);
  });

  it('explains a rejected token without printing it', async () => {
    const client = await LinodeClient.connect({ ...env, LINODE_TOKEN: 'wrong-token-value' });
    const error = (await client.listInstances().catch((e) => e)) as CliError;
    expect(error.message).toMatch(/rejected the token/);
    expect(`${error.message} ${error.hint}`).not.toContain('wrong-token-value');
    await (await LinodeClient.connect(env)).listInstances();
  });

  it('maps 404 on get and delete to absent values', async () => {
    const client = await LinodeClient.connect(env);
    expect(await client.getInstance(1)).toBeUndefined();
    expect(await client.deleteInstance(1)).toBe('absent');
    expect(await client.deleteFirewall(1)).toBe('absent');
  });

  it('caches types on disk (one request for two reads)', async () => {
    const client = await LinodeClient.connect(env);
    const first = await client.listTypes();
    const second = await client.listTypes();
    expect(second).toEqual(first);
    expect(first.some((t) => t.id.startsWith('g2-gpu-'))).toBe(true);
    expect(fake.countRequests({ path: /^\/linode\/types$/ })).toBe(1);
  });

  it('rejects a LINODE_API_URL that is not a URL', async () => {
    await expect(LinodeClient.connect({ ...env, LINODE_API_URL: 'not a url' })).rejects.toThrow(/not a URL/);
  });
});

describe('token lookup', () => {
  it('uses LINODE_TOKEN, then LINODE_CLI_TOKEN, then the linode-cli config', async () => {
    const { resolveLinodeToken } = await import('../../src/linode/token.js');
    const home = mkdtempSync(path.join(os.tmpdir(), 'lb-token-'));
    mkdirSync(path.join(home, '.config'), { recursive: true });
    writeFileSync(
      path.join(home, '.config', 'linode-cli'),
      '[DEFAULT]\ndefault-user = alice\n\n[alice]\ntoken = from-config\nregion = us-east\n\n[bob]\ntoken = bobs\n',
    );
    expect(resolveLinodeToken({ HOME: home, LINODE_TOKEN: 'a', LINODE_CLI_TOKEN: 'b' })).toBe('a');
    expect(resolveLinodeToken({ HOME: home, LINODE_CLI_TOKEN: 'b' })).toBe('b');
    expect(resolveLinodeToken({ HOME: home })).toBe('from-config');
    const xdg = path.join(home, 'xdg');
    mkdirSync(xdg);
    writeFileSync(path.join(xdg, 'linode-cli'), '[DEFAULT]\ndefault-user = bob\n[bob]\ntoken = bobs\n');
    expect(resolveLinodeToken({ HOME: home, XDG_CONFIG_HOME: xdg })).toBe('bobs');
  });

  it('names all three sources when no token is found', async () => {
    const { resolveLinodeToken } = await import('../../src/linode/token.js');
    const home = mkdtempSync(path.join(os.tmpdir(), 'lb-token-'));
    expect(() => resolveLinodeToken({ HOME: home })).toThrow(
      /LINODE_TOKEN and LINODE_CLI_TOKEN .*linode-cli/,
    );
  });
});
