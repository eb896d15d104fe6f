/**
 * `replicas`, end to end with the built CLI and the fake Linode API: how many identical
 * instances a deployment wants (deploy.yml's deploy.linode.replicas, or --replicas), checked
 * like every other field, and one replica being exactly today's single instance.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import statusSchema from '../../schema/status.schema.json';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { appTemplateYml } from '../support/app-template.js';

/** The test app's deploy.yml with `replicas: N` added under deploy.linode (none when undefined). */
function deployYml(replicas?: number): string {
  const yml = appTemplateYml({ greeting: false });
  return replicas === undefined
    ? yml
    : yml.replace('    region_default: us-ord\n', `    region_default: us-ord\n    replicas: ${replicas}\n`);
}

const validateStatus = new Ajv({ strict: true, allErrors: true }).compile(statusSchema);

interface PlanJson {
  readonly replicas: number;
  readonly scale: null | {
    readonly instances: readonly {
      readonly index: number;
      readonly label: string;
      readonly tags: readonly string[];
    }[];
    readonly nodeBalancerConfig: { readonly port: number; readonly check_path: string };
    readonly replicaFirewall: {
      readonly rules: {
        readonly inbound: readonly { readonly ports?: string; readonly addresses: unknown }[];
      };
    };
  };
  readonly cost?: null | {
    readonly lines: readonly {
      readonly resource: string;
      readonly hourly?: number;
      readonly monthly?: number;
    }[];
    readonly total?: { readonly hourly: number; readonly monthly?: number };
  };
  readonly costUnavailable?: string;
}

describe('replicas', () => {
  let lab: Lab;
  let project: string;

  beforeAll(async () => {
    lab = await startLab();
    project = await lab.project('replicas', 'embeddings-python');
  });
  afterAll(async () => {
    await lab?.close();
  });

  const live = () => lab.fake.listInstances().filter((instance) => instance.status !== 'deleting');
  const plan = async (...args: string[]) => {
    const result = await lab.run(['plan', '--json', ...args], { cwd: project });
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as PlanJson;
  };

  it('takes deploy.yml replicas, with --replicas winning; one replica when neither is given', async () => {
    writeFileSync(path.join(project, 'deploy.yml'), deployYml());
    expect((await plan()).replicas).toBe(1);
    writeFileSync(path.join(project, 'deploy.yml'), deployYml(3));
    expect((await plan()).replicas).toBe(3);
    expect((await plan('--replicas', '5')).replicas).toBe(5);
    expect((await plan('--replicas', '1')).replicas).toBe(1);
  });

  it('refuses a replica count out of bounds as a usage error, and in deploy.yml as a template error', async () => {
    writeFileSync(path.join(project, 'deploy.yml'), deployYml());
    for (const bad of ['0', '21', '2.5']) {
      const result = await lab.run(['plan', '--replicas', bad], { cwd: project });
      expect(result.code, bad).toBe(2);
      expect(result.stderr).toContain(`--replicas ${bad} is not valid`);
      expect(result.stderr).toContain('whole number from 1 to 20');
    }
    writeFileSync(path.join(project, 'deploy.yml'), deployYml(30));
    const invalid = await lab.run(['plan'], { cwd: project });
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toContain('deploy.linode.replicas');
  });

  it('plans every resource of 3 replicas with the API prices and the total, reading no credentials', async () => {
    writeFileSync(path.join(project, 'deploy.yml'), deployYml(3));
    lab.fake.clearLog();
    // No token anywhere: plan reads the public price lists only.
    const noToken = { LINODE_TOKEN: '', LINODE_CLI_TOKEN: '' };
    const json = await lab.run(['plan', '--json'], { cwd: project, env: noToken });
    expect(json.code, json.stderr).toBe(0);
    const planned = JSON.parse(json.stdout) as PlanJson;
    expect(planned.scale?.instances.map((replica) => replica.index)).toEqual([1, 2, 3]);
    expect(planned.scale?.nodeBalancerConfig).toMatchObject({ port: 8080, check_path: '/health' });
    const appRule = planned.scale?.replicaFirewall.rules.inbound.find((rule) => rule.ports === '8080');
    expect(appRule?.addresses).toEqual({ ipv4: ['192.168.255.0/24'] });
    // The fake's prices: g6-standard-2 $0.036/h ($26.28/month) in us-ord, a NodeBalancer $0.015/h ($10/month).
    expect(planned.cost?.lines.slice(0, 2)).toEqual([
      { resource: '3 × g6-standard-2', count: 3, hourly: 0.108, monthly: 78.84 },
      { resource: 'NodeBalancer', count: 1, hourly: 0.015, monthly: 10 },
    ]);
    expect(planned.cost?.total).toEqual({ hourly: 0.123, monthly: 88.84 });
    expect(lab.fake.mutatingRequests()).toEqual([]);
    expect(lab.fake.requests.every((entry) => entry.authorization === undefined)).toBe(true);

    // Region prices where the API has them; the text shows every resource and the total.
    const text = await lab.run(['plan', '--region', 'br-gru'], { cwd: project, env: noToken });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Replicas: 3 behind a NodeBalancer');
    expect(text.stdout).toMatch(/NodeBalancer lb-\w+-converge-app\s+port 8080 http/);
    expect(text.stdout).toMatch(/replica 3 converge-app-default-\w+-3/);
    expect(text.stdout).toMatch(/total\s+\$0\.171\s+\$123\.50/);
  });

  it('one replica plans and requests exactly what a single instance did', async () => {
    writeFileSync(path.join(project, 'deploy.yml'), deployYml());
    lab.fake.clearLog();
    const single = await lab.run(['plan'], { cwd: project });
    expect(single.code, single.stderr).toBe(0);
    expect(single.stdout).not.toContain('NodeBalancer');
    expect(single.stdout).not.toContain('Cost');
    expect((await plan()).scale).toBeNull();
    expect(lab.fake.requests).toEqual([]);
  });

  it('says why the cost is unknown when the price lists cannot be read, and still plans', async () => {
    writeFileSync(path.join(project, 'deploy.yml'), deployYml(2));
    const offline = await lab.run(['plan', '--json'], {
      cwd: project,
      env: { LINODE_API_URL: 'http://127.0.0.1:9', LINODE_BUILD_RETRY_BASE_MS: '1' },
    });
    expect(offline.code, offline.stderr).toBe(0);
    const planned = JSON.parse(offline.stdout) as PlanJson;
    expect(planned.scale?.instances).toHaveLength(2);
    expect(planned.cost).toBeNull();
    expect(planned.costUnavailable).toContain('price lists could not be read');
  });

  it('deploys 3 replicas: each backend accepts traffic only once the NodeBalancer finds it healthy; destroy removes all', async () => {
    writeFileSync(path.join(project, 'deploy.yml'), deployYml(3));
    // Replica 2's app does not answer yet: it must stay out of rotation, the others serve.
    let held: number | undefined;
    lab.fake.nodeBalancers.setBackendHealth(
      (instance) => !instance.tags.some((tag) => tag.endsWith('-2')) || held === undefined,
    );
    held = 1;
    const short = await lab.run(['deploy', '--yes', '--json', '--timeout', '3'], { cwd: project });
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('replica 2 did not pass the NodeBalancer');
    expect(short.stderr).toContain('2 of 3 serve');
    const [balancer] = lab.fake.nodeBalancers.list();
    expect(balancer).toBeDefined();
    const modes = () =>
      lab.fake.nodeBalancers
        .configsOf(balancer!.id)
        .flatMap((config) => config.nodes)
        .map((node) => `${node.label.slice(-2)}:${node.mode}/${node.status}`)
        .sort();
    expect(modes()).toEqual(['r1:accept/UP', 'r2:reject/DOWN', 'r3:accept/UP']);
    expect(live()).toHaveLength(3);

    // Its app answers now: the next deploy finishes the job instead of creating anything.
    held = undefined;
    lab.fake.clearLog();
    const again = await lab.run(['deploy', '--yes', '--json'], { cwd: project });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ result: 'unchanged', replicas: 3 });
    expect(modes()).toEqual(['r1:accept/UP', 'r2:accept/UP', 'r3:accept/UP']);
    expect(
      lab.fake.mutatingRequests().map((entry) => `${entry.method} ${entry.path.replace(/\d+/g, 'N')}`),
    ).toEqual(['PUT /nodebalancers/N/configs/N/nodes/N']);
    expect(live()).toHaveLength(3);
    expect(lab.fake.nodeBalancers.list()).toHaveLength(1);

    // Each replica: the app port only from the NodeBalancers' range; the NodeBalancer has its own firewall.
    const firewalls = lab.fake.listFirewalls();
    expect(firewalls).toHaveLength(2);
    const replicaFirewall = firewalls.find((firewall) => !firewall.label.endsWith('-nb'))!;
    const appRule = replicaFirewall.rules.inbound?.find((rule) => rule.ports === '8080');
    expect(appRule?.addresses).toEqual({ ipv4: ['192.168.255.0/24'] });

    // The replicas are spread over hosts: one anti-affinity placement group holds all three.
    const [group] = lab.fake.placementGroups.list();
    expect(group).toMatchObject({ placement_group_type: 'anti_affinity:local' });
    expect(group!.members.map((member) => member.linode_id).sort()).toEqual(
      live()
        .map((i) => i.id)
        .sort(),
    );

    const destroyed = await lab.run(['destroy', '--yes'], { cwd: project });
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(live()).toEqual([]);
    expect(lab.fake.nodeBalancers.list()).toEqual([]);
    expect(lab.fake.listFirewalls()).toEqual([]);
    expect(lab.fake.placementGroups.list()).toEqual([]);
    lab.fake.nodeBalancers.setBackendHealth(undefined);
  });

  it('scales 3 → 5 → 2: new replicas join once healthy, surplus ones are drained, then deleted', async () => {
    writeFileSync(path.join(project, 'deploy.yml'), deployYml(3));
    const env = { LINODE_BUILD_DRAIN_SECONDS: '1' };
    const deploy = (...extra: string[]) =>
      lab.run(['deploy', '--yes', '--json', ...extra], { cwd: project, env });
    lab.fake.clearLog();
    const created = await deploy();
    expect(created.code, created.stderr).toBe(0);
    const [balancer] = lab.fake.nodeBalancers.list();
    const nodes = () => lab.fake.nodeBalancers.configsOf(balancer!.id).flatMap((config) => config.nodes);
    const serving = () => nodes().filter((node) => node.mode === 'accept' && node.status === 'UP').length;
    expect(serving()).toBe(3);

    // While the scale-up runs, the three serving backends never stop serving.
    const low: number[] = [];
    const watch = setInterval(() => low.push(serving()), 20);
    const up = await deploy('--replicas', '5');
    clearInterval(watch);
    expect(up.code, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ result: 'scaled', replicas: 5 });
    expect(low.length).toBeGreaterThan(0);
    expect(Math.min(...low)).toBeGreaterThanOrEqual(3);
    expect(serving()).toBe(5);
    expect(live()).toHaveLength(5);
    // The added replicas get the deployment's root password, never prepare's placeholder.
    const rootPasses = lab.fake.requests
      .filter((entry) => entry.method === 'POST' && entry.path === '/linode/instances')
      .map((entry) => (entry.body as { root_pass?: string }).root_pass);
    expect(rootPasses).toHaveLength(5);
    expect(new Set(rootPasses).size).toBe(1);
    expect(rootPasses[0]).not.toContain('preview');
    expect(lab.fake.nodeBalancers.list()).toHaveLength(1);
    expect(lab.fake.placementGroups.list()[0]!.members).toHaveLength(5);
    const kept = live()
      .filter((instance) => /-[12]$/.test(instance.label))
      .map((instance) => instance.id)
      .sort();

    // Down to 2: the surplus is drained first (seen in drain mode), then removed and deleted.
    const modes = new Set<string>();
    const watchDown = setInterval(() => {
      for (const node of nodes()) modes.add(`${node.label.slice(-2)}:${node.mode}`);
      low.push(serving());
    }, 20);
    low.length = 0;
    const down = await deploy('--replicas', '2');
    clearInterval(watchDown);
    expect(down.code, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout)).toMatchObject({ result: 'scaled', replicas: 2 });
    expect([...modes].filter((mode) => mode.endsWith(':drain')).sort()).toEqual([
      'r3:drain',
      'r4:drain',
      'r5:drain',
    ]);
    expect(low.length).toBeGreaterThan(0);
    expect(Math.min(...low)).toBeGreaterThanOrEqual(2);
    expect(
      live()
        .map((instance) => instance.id)
        .sort(),
    ).toEqual(kept);
    expect(
      nodes()
        .map((node) => node.label.slice(-2))
        .sort(),
    ).toEqual(['r1', 'r2']);
    expect(serving()).toBe(2);

    // status: the NodeBalancer's address and each replica with its backend, in 4 requests
    // (instances, NodeBalancers, the backends of the one NodeBalancer, its placement group;
    // prices cached), valid against the schema.
    lab.fake.clearLog();
    const status = await lab.run(['status', '--json', '--no-health'], { cwd: project });
    expect(status.code, status.stderr).toBe(0);
    const views = JSON.parse(status.stdout) as unknown[];
    expect(validateStatus(views), JSON.stringify(validateStatus.errors)).toBe(true);
    expect(views[0]).toMatchObject({
      ipv4: balancer!.ipv4,
      nodeBalancerId: balancer!.id,
      replicas: [
        { index: 1, instanceStatus: 'running', backend: { mode: 'accept', status: 'UP' } },
        { index: 2, instanceStatus: 'running', backend: { mode: 'accept', status: 'UP' } },
      ],
    });
    expect(lab.fake.requests.filter((entry) => entry.method === 'GET').length).toBeLessThanOrEqual(4);
    const text = await lab.run(['status', '--no-health'], { cwd: project });
    expect(text.stdout).toContain(`NodeBalancer ${balancer!.id} "${balancer!.label}"`);
    expect(text.stdout).toContain(`${balancer!.ipv4}, port 8080`);
    expect(text.stdout).toMatch(/^\s+1\s+\S+-1\s+\d+\s+running\s+healthy\s+accept UP\s/m);

    // Converged: nothing to do, and destroy leaves nothing.
    lab.fake.clearLog();
    const again = await deploy('--replicas', '2');
    expect(JSON.parse(again.stdout)).toMatchObject({ result: 'unchanged' });
    expect(lab.fake.mutatingRequests()).toEqual([]);
    expect((await lab.run(['destroy', '--yes'], { cwd: project })).code).toBe(0);
    expect(live()).toEqual([]);
    expect(lab.fake.nodeBalancers.list()).toEqual([]);
    expect(lab.fake.placementGroups.list()).toEqual([]);
    expect(lab.fake.listFirewalls()).toEqual([]);
  });
});
