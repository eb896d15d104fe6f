/**
 * The fake NodeBalancer's node status follows its health checks over time, as Linode's does: a
 * new node is `unknown`, a check runs every check_interval (in the fake's seconds, scaled by its
 * boot timing), one pass makes the node UP and check_attempts failures in a row make it DOWN.
 *
 * The app's answers are scripted per check (the health hook is called once per check), so the
 * test follows the checks one by one instead of racing the clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateInstance, type RawApi, rawApi } from './raw-api.js';
import { FakeLinode, LINODE_BOOT_SECONDS } from './server.js';

const bootMs = 300;
/** One of Linode's seconds in this fake. */
const secondMs = bootMs / LINODE_BOOT_SECONDS;

let fake: FakeLinode;
let api: RawApi;

beforeAll(async () => {
  fake = await new FakeLinode({ token: 't', provisionMs: 0, bootMs, deleteMs: 0 }).start();
  api = rawApi(fake, 't');
});
afterAll(() => fake.close());

async function runningBackend(label: string): Promise<{ id: number; privateIp: string }> {
  const created = await createPrivateInstance(api, label);
  await expect
    .poll(async () => (await api('GET', `/linode/instances/${created.id}`)).json.status, {
      timeout: 5000,
      interval: 20,
    })
    .toBe('running');
  return created;
}

/**
 * Plays the app's answers to the NodeBalancer's checks, in order, and records the node's status
 * as each check begins (what the checks before it made of it). Past the script, it answers.
 */
function scriptChecks(instanceId: number, answers: readonly boolean[], status: () => string) {
  const seen: { answer: boolean; before: string; at: number }[] = [];
  fake.nodeBalancers.setBackendHealth((instance) => {
    if (instance.id !== instanceId) return true;
    const answer = answers[seen.length] ?? true;
    seen.push({ answer, before: status(), at: Date.now() });
    return answer;
  });
  return seen;
}

describe('NodeBalancer node status over check_interval × check_attempts', () => {
  it('starts unknown, is UP after one passing check, DOWN only after check_attempts failures in a row', {
    timeout: 30_000,
  }, async () => {
    const b = await runningBackend('checked-backend');
    // Every check fails until told otherwise: the script below takes over once the node exists.
    fake.nodeBalancers.setBackendHealth(() => false);
    const interval = 20;
    const created = await api('POST', '/nodebalancers', {
      label: 'nb-checks',
      region: 'us-east',
      configs: [
        {
          port: 80,
          protocol: 'http',
          check: 'http',
          check_path: '/health',
          check_interval: interval,
          check_timeout: 5,
          check_attempts: 3,
          nodes: [{ address: `${b.privateIp}:8080`, label: 'rep-1' }],
        },
      ],
    });
    expect(created.status).toBe(200);
    const nbId = created.json.id as number;
    const [config] = fake.nodeBalancers.configsOf(nbId);
    const nodesPath = `/nodebalancers/${nbId}/configs/${config!.id}/nodes`;
    const status = () => fake.nodeBalancers.configsOf(nbId)[0]!.nodes[0]!.status;

    // A new node is unknown to the API until its first check (one interval away).
    const fresh = await api('GET', nodesPath);
    expect(fresh.json.data[0].status).toBe('unknown');
    expect((await api('GET', `/nodebalancers/${nbId}/configs/${config!.id}`)).json.nodes_status).toEqual({
      up: 0,
      down: 0,
    });

    // pass → UP; 2 failures leave it UP; pass; 3 failures → DOWN at the third; pass → UP.
    const script = [true, false, false, true, false, false, false, true];
    const seen = scriptChecks(b.id, script, status);
    await expect.poll(() => seen.length, { timeout: 20_000, interval: 10 }).toBeGreaterThan(script.length);
    expect(seen.slice(0, script.length + 1).map((check) => check.before)).toEqual([
      'unknown', // before the first check
      'UP', // one pass
      'UP', // 1 failure
      'UP', // 2 failures: still UP (attempts is 3)
      'UP', // a pass resets the count
      'UP',
      'UP',
      'DOWN', // the third failure in a row
      'UP', // one pass again
    ]);
    // Checks come every check_interval of the fake's seconds (timers never fire early; 1 ms slack).
    const gaps = seen.slice(1).map((check, index) => check.at - seen[index]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(interval * secondMs - 1);

    // The API shows what the checks made of it, not the app's answer right now.
    fake.nodeBalancers.setBackendHealth(() => false);
    const stale = await api('GET', nodesPath);
    expect(stale.json.data[0].status).toBe('UP');
    await expect
      .poll(async () => (await api('GET', nodesPath)).json.data[0].status, { timeout: 10_000, interval: 20 })
      .toBe('DOWN');
    expect((await api('GET', `/nodebalancers/${nbId}/configs/${config!.id}`)).json.nodes_status).toEqual({
      up: 0,
      down: 1,
    });
    fake.nodeBalancers.setBackendHealth(undefined);
  });

  it('counts a stopped instance or a forced answer as failed checks, with the same delay', {
    timeout: 30_000,
  }, async () => {
    const b = await runningBackend('stopped-backend');
    const created = await api('POST', '/nodebalancers', {
      label: 'nb-stopped',
      region: 'us-east',
      configs: [
        {
          port: 80,
          check: 'http',
          check_path: '/',
          check_interval: 10,
          check_timeout: 5,
          check_attempts: 2,
          nodes: [{ address: `${b.privateIp}:8080`, label: 'rep-1' }],
        },
      ],
    });
    const nbId = created.json.id as number;
    const status = () => fake.nodeBalancers.configsOf(nbId)[0]!.nodes[0]!.status;
    await expect.poll(status, { timeout: 10_000, interval: 10 }).toBe('UP');
    const answers: boolean[] = [];
    fake.nodeBalancers.setBackendHealth((instance) => {
      if (instance.id === b.id) answers.push(true);
      return true;
    });
    fake.setInstanceStatus(b.id, 'offline');
    // Still UP right after: the NodeBalancer has not checked yet.
    expect(status()).toBe('UP');
    await expect.poll(status, { timeout: 10_000, interval: 10 }).toBe('DOWN');
    // The app was never asked: a stopped instance fails the check before any HTTP.
    expect(answers).toEqual([]);
    fake.setInstanceStatus(b.id, 'running');
    await expect.poll(status, { timeout: 10_000, interval: 10 }).toBe('UP');
    fake.nodeBalancers.setNodeHealth(b.id, false);
    expect(status()).toBe('UP');
    await expect.poll(status, { timeout: 10_000, interval: 10 }).toBe('DOWN');
    fake.nodeBalancers.setNodeHealth(b.id, undefined);
    fake.nodeBalancers.setBackendHealth(undefined);
  });
});
