/**
 * `status` and `reap` of a deployment with replicas, end to end with the built CLI and the fake
 * Linode API: one row in a listing, the NodeBalancer's address and every replica's status,
 * health and backend (mode and UP/DOWN from the NodeBalancer) in `status ID`, in a fixed number
 * of requests; `reap` lists such a deployment once with the price of all of it and destroys it
 * whole, leaving everything without our tags alone.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import schema from '../../schema/status.schema.json';
import { formatMoney } from '../../src/status/print.js';
import type { DeploymentView } from '../../src/status/types.js';
import { cellText, formatPrice, totals } from '../../src/tui/format.js';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { appTemplateYml } from '../support/app-template.js';

const validate = new Ajv({ strict: true, allErrors: true }).compile(schema);

interface ReplicaJson {
  index: number;
  label: string;
  linodeId: number;
  instanceStatus: string;
  privateIpv4?: string;
  health?: string;
  backend?: { mode: string; status: string };
}

interface ViewJson {
  id: string;
  instanceStatus: string;
  linodeId?: number;
  url?: string;
  ipv4?: string;
  hourlyPrice?: number;
  replicas?: ReplicaJson[];
  nodeBalancer?: { id: number; label: string; ipv4?: string; hostname?: string; port?: number };
}

function views(stdout: string): ViewJson[] {
  const parsed: unknown = JSON.parse(stdout);
  expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true);
  return parsed as ViewJson[];
}

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab?.close());

/** What the CLI asked the API, as `METHOD /path` with ids as N, prices left out (cached a day). */
function requestShape(): string[] {
  return lab.fake.requests
    .map((entry) => `${entry.method} ${entry.path.replace(/^\/v4(beta)?/, '').replace(/\d+/g, 'N')}`)
    .filter((line) => !line.endsWith('/types'));
}

describe('status of a deployment with 3 replicas', () => {
  it('lists it as one row, and status ID shows the NodeBalancer and each replica with its backend', async () => {
    const project = await lab.project('scaled', 'embeddings-python');
    const yml = appTemplateYml({ greeting: false });
    writeFileSync(
      path.join(project, 'deploy.yml'),
      yml.replace('    region_default: us-ord\n', '    region_default: us-ord\n    replicas: 3\n'),
    );
    // What plan priced (the replicas and the NodeBalancer): status, its text and the TUI must agree.
    const planned = await lab.run(['plan', '--json'], { cwd: project });
    expect(planned.code, planned.stderr).toBe(0);
    const plannedHourly = JSON.parse(planned.stdout).cost.total.hourly as number;
    const deployed = await lab.run(['deploy', '--yes', '--json'], { cwd: project });
    expect(deployed.code, deployed.stderr).toBe(0);
    const id = JSON.parse(deployed.stdout).id as string;
    const [balancer] = lab.fake.nodeBalancers.list();
    const replicaIds = lab.fake
      .listInstances()
      .filter((instance) => instance.tags.includes(`build-id:${id}`))
      .sort((a, b) => a.label.localeCompare(b.label))
      .map((instance) => instance.id);
    expect(replicaIds).toHaveLength(3);

    // The listing: one row for the three replicas, and the request shape of a listing.
    await lab.run(['status', '--all', '--no-health']); // fills the price cache, as after a first run
    lab.fake.clearLog();
    const listing = await lab.run(['status', '--all', '--no-health']);
    expect(listing.code, listing.stderr).toBe(0);
    const rows = listing.stdout.split('\n').filter((line) => line.includes(id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('3/3 running');
    expect(rows[0]).toContain(`http://${balancer!.hostname}:8080`);
    expect(requestShape().sort()).toEqual(['GET /linode/instances', 'GET /nodebalancers']);

    const [listed] = views((await lab.run(['status', '--all', '--json', '--no-health'])).stdout);
    expect(listed).toMatchObject({
      id,
      instanceStatus: 'running',
      ipv4: balancer!.ipv4,
      linodeId: replicaIds[0],
      // 3 × g6-standard-2 in us-ord ($0.036/h) and the NodeBalancer ($0.015/h).
      hourlyPrice: 0.123,
      nodeBalancer: { id: balancer!.id, ipv4: balancer!.ipv4, hostname: balancer!.hostname, port: 8080 },
    });
    expect(listed!.hourlyPrice).toBeCloseTo(plannedHourly, 9);
    expect(rows[0]).toContain(formatMoney(plannedHourly, 4));
    expect(cellText(listed as unknown as DeploymentView, 'price', Date.now())).toBe(
      formatPrice(plannedHourly),
    );
    expect(totals([listed as unknown as DeploymentView]).hourly).toBeCloseTo(plannedHourly, 9);
    expect(
      listed!.replicas!.map((replica) => [replica.index, replica.linodeId, replica.instanceStatus]),
    ).toEqual([
      [1, replicaIds[0], 'running'],
      [2, replicaIds[1], 'running'],
      [3, replicaIds[2], 'running'],
    ]);
    // A listing does not read backends (that would be one request per NodeBalancer).
    expect(listed!.replicas!.every((replica) => replica.backend === undefined)).toBe(true);

    // Replica 2's app stops answering the NodeBalancer's check.
    lab.fake.nodeBalancers.setNodeHealth(replicaIds[1]!, false);
    // The NodeBalancer marks it DOWN after check_attempts failed checks, not at once.
    const backendStatuses = () =>
      lab.fake.nodeBalancers
        .configsOf(balancer!.id)
        .flatMap((config) => config.nodes.map((node) => node.status));
    await expect.poll(() => backendStatuses().filter((status) => status === 'DOWN').length).toBe(1);
    lab.fake.clearLog();
    const detail = await lab.run(['status', id, '--no-health']);
    expect(detail.code, detail.stderr).toBe(0);
    // Instances of this deployment, its NodeBalancer, its backends with the recorded config id,
    // and its placement group (whether the replicas are on different hosts).
    expect(requestShape().sort()).toEqual([
      'GET /linode/instances',
      'GET /nodebalancers',
      'GET /nodebalancers/N/configs/N/nodes',
      'GET /placement/groups/N',
    ]);
    expect(detail.stdout).toMatch(/Status:\s+3\/3 running, 2\/3 UP/);
    expect(detail.stdout).toContain(`NodeBalancer ${balancer!.id} "${balancer!.label}"`);
    expect(detail.stdout).toContain(`${balancer!.ipv4}, port 8080`);
    const replicaRow = (index: number) =>
      detail.stdout.split('\n').find((line) => new RegExp(`^\\s+${index}\\s+\\S+-${index}\\s`).test(line));
    expect(replicaRow(1)).toMatch(new RegExp(`${replicaIds[0]}\\s+running\\s+healthy\\s+accept UP`));
    expect(replicaRow(2)).toMatch(new RegExp(`${replicaIds[1]}\\s+running\\s+unhealthy\\s+accept DOWN`));
    expect(replicaRow(3)).toMatch(new RegExp(`${replicaIds[2]}\\s+running\\s+healthy\\s+accept UP`));
    // Each replica once: the table is the one list of them.
    for (const linodeId of replicaIds) {
      expect(detail.stdout.split('\n').filter((line) => line.includes(String(linodeId)))).toHaveLength(1);
    }
    expect(detail.stdout.match(/^ {2}Replicas: /gm)).toHaveLength(1);

    const [one] = views((await lab.run(['status', id, '--json', '--no-health'])).stdout);
    expect(one!.replicas!.map((replica) => [replica.health, replica.backend])).toEqual([
      ['healthy', { mode: 'accept', status: 'UP' }],
      ['unhealthy', { mode: 'accept', status: 'DOWN' }],
      ['healthy', { mode: 'accept', status: 'UP' }],
    ]);
    expect(one!.replicas!.every((replica) => replica.privateIpv4?.startsWith('192.168.'))).toBe(true);

    // A replica stopped: the row says how many run, the detail which one.
    lab.fake.setInstanceStatus(replicaIds[2]!, 'offline');
    const degraded = await lab.run(['status', '--all', '--no-health']);
    expect(degraded.stdout.split('\n').find((line) => line.includes(id))).toContain('2/3 running');
    const [stopped] = views((await lab.run(['status', id, '--json', '--no-health'])).stdout);
    expect(stopped!.instanceStatus).toBe('offline');
    expect(stopped!.replicas![2]).toMatchObject({ instanceStatus: 'offline', health: 'not-checked' });

    lab.fake.nodeBalancers.setNodeHealth(replicaIds[1]!, undefined);
    const destroyed = await lab.run(['destroy', id, '--yes']);
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(lab.fake.nodeBalancers.list()).toEqual([]);
  });

  it('a listing of single instances asks nothing about NodeBalancers', async () => {
    const project = await lab.project('single', 'embeddings-python');
    const deployed = await lab.run(['deploy', '--yes', '--json'], { cwd: project });
    expect(deployed.code, deployed.stderr).toBe(0);
    const id = JSON.parse(deployed.stdout).id as string;
    lab.fake.clearLog();
    const listing = await lab.run(['status', '--all', '--json', '--no-health']);
    const [view] = views(listing.stdout).filter((candidate) => candidate.id === id);
    expect(view!.replicas).toBeUndefined();
    expect(view!.nodeBalancer).toBeUndefined();
    expect(requestShape()).toEqual(['GET /linode/instances']);
    expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
  });
});

describe('reap of a deployment with replicas', () => {
  it('lists it once with every replica and the NodeBalancer priced, and destroys it whole', async () => {
    const expired = 'build-expires:2020-01-01T00:00Z';
    const ours = [1, 2, 3].map((index) =>
      lab.fake.seedInstance({
        label: `svc-prod-rep00001-${index}`,
        region: 'us-ord',
        type: 'g6-standard-2',
        tags: [
          'build-id:rep00001',
          'build-app:svc',
          'build-env:prod',
          `build-replica:rep00001-${index}`,
          expired,
        ],
      }),
    );
    await lab.fake.nodeBalancers.seed({
      label: 'lb-rep00001-svc',
      region: 'us-ord',
      tags: ['build-id:rep00001', 'build-app:svc', 'build-env:prod'],
    });
    // Not ours: no build-id tag, whatever else it carries.
    const foreign = lab.fake.seedInstance({
      label: 'someone-else',
      region: 'us-ord',
      type: 'g6-standard-2',
      tags: ['build-replica:rep00001-4', expired],
    });
    await lab.fake.nodeBalancers.seed({ label: 'their-balancer', region: 'us-ord', tags: ['build-app:svc'] });

    const dry = await lab.run(['reap', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const listed = JSON.parse(dry.stdout) as {
      expired: {
        id: string;
        linodeId: number;
        replicas?: number;
        nodeBalancerId?: number;
        hourlyPrice?: number;
      }[];
      hourlyCost: number;
    };
    expect(listed.expired.map((d) => d.id)).toEqual(['rep00001']);
    expect(listed.expired[0]).toMatchObject({ linodeId: ours[0]!.id, replicas: 3, hourlyPrice: 0.123 });
    expect(listed.expired[0]!.nodeBalancerId).toBeTypeOf('number');
    expect(listed.hourlyCost).toBe(0.123);
    const text = await lab.run(['reap', '--dry-run']);
    expect(text.stdout.split('\n').filter((line) => line.includes('rep00001'))).toEqual([
      expect.stringMatching(/rep00001\s+svc\s+prod\s+3 replicas \+ NodeBalancer\s.*\$0\.1230/),
    ]);

    lab.fake.clearLog();
    const reaped = await lab.run(['reap', '--yes', '--json']);
    expect(reaped.code, reaped.stderr).toBe(0);
    expect(JSON.parse(reaped.stdout).destroyed).toEqual([
      expect.objectContaining({ id: 'rep00001', instancesDeleted: 3, nodeBalancersDeleted: 1 }),
    ]);
    const live = lab.fake.listInstances().filter((instance) => instance.status !== 'deleting');
    expect(live.map((instance) => instance.id)).toEqual([foreign.id]);
    expect(lab.fake.nodeBalancers.list().map((balancer) => balancer.label)).toEqual(['their-balancer']);
    // Every delete named one of ours.
    const deletes = lab.fake.mutatingRequests().filter((entry) => entry.method === 'DELETE');
    expect(deletes.some((entry) => entry.path.includes(String(foreign.id)))).toBe(false);
  });
});
