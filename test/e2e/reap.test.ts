/**
 * Lifetimes end to end with the built CLI against the fake API: deploy --ttl tags the instance,
 * status shows the time left and marks expired deployments, reap refuses without --yes when
 * there is no terminal, --dry-run deletes nothing, and reap --yes deletes exactly the expired
 * deployments that carry our tags.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { startInTerminal } from '../reap/terminal.js';
import { toolsAvailable } from '../support/tools.js';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab.close());

function seed(id: string, tags: string[]) {
  return lab.fake.seedInstance({
    label: `svc-prod-${id}`,
    region: 'us-ord',
    type: 'g6-standard-2',
    tags: [`build-id:${id}`, 'build-app:svc', 'build-env:prod', ...tags],
  });
}

describe('lifetimes', () => {
  it('deploy --ttl tags the instance and status shows the time left', async () => {
    const project = await lab.project('short', 'chat-agent', 'OPENAI_API_KEY=sk-test-not-real\n');
    const deploy = await lab.run(['deploy', '--yes', '--ttl', '2h', '--env', 'dev'], { cwd: project });
    expect(deploy.stderr).not.toMatch(/Error/);
    expect(deploy.code).toBe(0);
    const [instance] = lab.fake.listInstances();
    const tag = instance!.tags.find((t) => t.startsWith('build-expires:'));
    expect(tag).toMatch(/^build-expires:\d{4}-\d\d-\d\dT\d\d:\d\dZ$/);
    expect(tag!.length).toBeLessThanOrEqual(50);

    const status = await lab.run(['status', '--all', '--no-health']);
    expect(status.stdout.split('\n')[0]).toMatch(/COST\s+LIFETIME$/);
    // The expiry is rounded up to the minute, so right after deploy it is 2h (or just under).
    expect(status.stdout).toMatch(/(2h|1h 5\dm) left/);
    const detail = await lab.run(['status', '--no-health'], { cwd: project });
    expect(detail.stdout).toMatch(/Expires:\s+\S+ \((2h|1h 5\dm) left\)/);
  });

  it('reap lists, refuses without --yes, dry-runs, then destroys only expired tagged instances', async () => {
    const deployed = lab.fake.listInstances()[0]!;
    const expiredA = seed('old00001', ['build-expires:2020-01-01T00:00Z']);
    const expiredB = seed('old00002', ['build-expires:2021-06-01T12:30Z']);
    const future = seed('new00001', ['build-expires:2099-01-01T00:00Z']);
    const untracked = lab.fake.seedInstance({
      label: 'hand-made',
      region: 'us-ord',
      type: 'g6-standard-2',
      tags: ['build-expires:2020-01-01T00:00Z'],
    });
    lab.fake.clearLog();

    const refused = await lab.run(['reap']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('no terminal');
    expect(refused.stderr).toMatch(/--yes.*--dry-run/);
    expect(lab.fake.requests).toHaveLength(0);

    const status = await lab.run(['status', '--all', '--no-health']);
    const line = status.stdout.split('\n').find((l) => l.startsWith('old00001'));
    expect(line).toMatch(/\$\d+\.\d\d\s+expired \d+d( \d+h)? ago$/);

    const dry = await lab.run(['reap', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('2 expired deployment(s)');
    expect(dry.stdout).toMatch(/old00001\s+svc\s+prod/);
    expect(dry.stdout).toMatch(/old00002/);
    expect(dry.stdout).not.toMatch(/new00001|hand-made/);
    expect(dry.stdout).toMatch(/Dry run: nothing destroyed\. Reaping would save \$0\.0720\/hour\./);
    const dryJson = await lab.run(['reap', '--dry-run', '--json']);
    expect(JSON.parse(dryJson.stdout)).toMatchObject({
      dryRun: true,
      hourlyCost: 0.072,
      expired: [expect.objectContaining({ id: 'old00001' }), expect.objectContaining({ id: 'old00002' })],
      destroyed: [],
    });
    expect(lab.fake.countRequests({ method: 'DELETE' })).toBe(0);

    const reap = await lab.run(['reap', '--yes']);
    expect(reap.stderr).not.toMatch(/Error/);
    expect(reap.code).toBe(0);
    expect(reap.stdout).toMatch(
      /Destroyed old00001 \(svc, prod\): expired \d+d( \d+h)? ago, cost about \$\d+\.\d\d\./,
    );
    expect(reap.stdout).toMatch(/Reaped 2 of 2 in \S+, saving \$0\.0720\/hour\./);
    const deletes = lab.fake.requests
      .filter((r) => r.method === 'DELETE')
      .map((r) => r.path)
      .sort();
    expect(deletes).toEqual([`/linode/instances/${expiredA.id}`, `/linode/instances/${expiredB.id}`].sort());
    expect(
      lab.fake
        .listInstances()
        .map((i) => i.id)
        .sort(),
    ).toEqual([deployed.id, future.id, untracked.id].sort());

    const again = await lab.run(['reap', '--yes', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ expired: [], destroyed: [], hourlySaved: 0 });
  });
});

describe.skipIf(!toolsAvailable('tmux'))('reap on a terminal', () => {
  it('asks before destroying; "n" deletes nothing, "y" reaps', async () => {
    const expired = seed('tty00001', ['build-expires:2022-02-02T02:02Z']);
    lab.fake.clearLog();
    const declined = startInTerminal(['reap'], lab.env, lab.home);
    try {
      await declined.waitFor('Destroy these 1 deployment(s)? [y/N]');
      declined.send('n');
      expect(await declined.waitFor('exit=1')).toContain('Cancelled; nothing was deleted.');
    } finally {
      declined.close();
    }
    expect(lab.fake.countRequests({ method: 'DELETE' })).toBe(0);

    const accepted = startInTerminal(['reap'], lab.env, lab.home);
    try {
      await accepted.waitFor('[y/N]');
      accepted.send('y');
      expect(await accepted.waitFor('exit=0')).toMatch(/Reaped 1 of 1/);
    } finally {
      accepted.close();
    }
    expect(lab.fake.listInstances().map((i) => i.id)).not.toContain(expired.id);
  });
});
