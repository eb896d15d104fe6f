// API requests of `status` for 50 deployments × 3 replicas behind a NodeBalancer each, against
// the fake Linode API (seeded without logged requests), with the built CLI. Counts, not times:
//   overview  `status --all --json`   every deployment, its NodeBalancer address, every replica
//   detail    `status ID --json`      one deployment with each replica's backend mode and UP/DOWN
//                                     and whether its placement group holds
// cold = the price lists not cached yet (first run of the day), warm = cached (every other run).
// Target (issue 17): <= 4 requests. Per-backend state of ALL deployments at once is not a
// command: the API lists nodes per NodeBalancer config only, so it would cost 2 + 50.
//
// Run: npm run build && node bench/status-replicas.mjs
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bin, cliEnv, isMain, loadFakeApi } from './fake-api.mjs';

export const DEPLOYMENTS = 50;
export const REPLICAS = 3;
export const TARGET = 4;
const token = 'bench-token';
const port = 8080;

/** Seeds the deployments (instances, NodeBalancers with their backends) and their registry records. */
async function seed(fake, home) {
  const records = [];
  for (let d = 0; d < DEPLOYMENTS; d++) {
    const id = `r${String(d).padStart(7, '0')}`;
    const tags = [`build-id:${id}`, 'build-app:bench', 'build-env:prod', 'build-tmpl:chat-agent'];
    const instances = [];
    for (let k = 1; k <= REPLICAS; k++) {
      const instance = fake.seedInstance({
        label: `bench-prod-${id}-${k}`,
        region: 'us-ord',
        type: 'g6-standard-2',
        tags: [...tags, `build-replica:${id}-${k}`],
      });
      // seedInstance takes no private_ip: give it the private address deploy would ask for.
      const n = d * REPLICAS + k;
      instance.ipv4.push(`192.168.${128 + Math.floor(n / 250)}.${(n % 250) + 1}`);
      instances.push(instance);
    }
    const privateOf = (instance) => instance.ipv4.find((address) => address.startsWith('192.168.'));
    const balancer = await fake.nodeBalancers.seed({
      label: `lb-${id}-bench`,
      region: 'us-ord',
      tags,
      configs: [
        {
          port,
          protocol: 'http',
          algorithm: 'roundrobin',
          check: 'http',
          check_path: '/health',
          check_interval: 10,
          check_timeout: 5,
          check_attempts: 3,
          nodes: instances.map((instance, index) => ({
            label: `${id}-r${index + 1}`,
            address: `${privateOf(instance)}:${port}`,
            mode: 'accept',
            weight: 100,
          })),
        },
      ],
    });
    const configId = fake.nodeBalancers.configsOf(balancer.id)[0].id;
    const now = new Date().toISOString();
    records.push({
      id,
      app: 'bench',
      env: 'prod',
      template: 'chat-agent',
      templateVersion: '1.0.0',
      status: 'active',
      region: 'us-ord',
      type: 'g6-standard-2',
      image: 'linode/ubuntu24.04',
      label: `bench-prod-${id}`,
      linodeId: instances[0].id,
      ipv4: balancer.ipv4,
      hostname: balancer.hostname,
      externalPort: port,
      createdAt: now,
      updatedAt: now,
      scale: {
        replicas: REPLICAS,
        nodeBalancerId: balancer.id,
        configId,
        members: instances.map((instance, index) => ({
          index: index + 1,
          linodeId: instance.id,
          ipv4: instance.ipv4[0],
          privateIpv4: privateOf(instance),
        })),
      },
    });
  }
  // Deploy puts the replicas in an anti-affinity placement group where the region has them
  // (us-ord does); status ID reads it to say whether the replicas are on different hosts. One
  // group, for the deployment shown in detail (a listing never reads groups). Made through the
  // API (the fake has no unlogged seed for groups); the log is cleared after.
  const group = await seedPlacementGroup(fake, records[0]);
  records[0].scale.placementGroupId = group.id;
  fake.clearLog();
  const stateDir = path.join(home, '.local/state/linode-build');
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(path.join(stateDir, 'registry.json'), JSON.stringify({ version: 1, deployments: records }));
  return records;
}

async function seedPlacementGroup(fake, record) {
  const call = async (method, route, body) => {
    const response = await fetch(`${fake.url}/v4${route}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const group = await call('POST', '/placement/groups', {
    label: `pg-${record.id}`,
    region: 'us-ord',
    placement_group_type: 'anti_affinity:local',
    placement_group_policy: 'flexible',
  });
  await call('POST', `/placement/groups/${group.id}/assign`, {
    linodes: record.scale.members.map((member) => member.linodeId),
  });
  return group;
}

/**
 * Runs the CLI (asynchronously: the fake API answers from this process) and returns its parsed
 * JSON and the requests it made (`GET /path`, ids as N).
 */
function measured(fake, env, args) {
  const before = fake.requests.length;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`linode-build ${args.join(' ')} exited ${code}: ${stderr}`));
      const requests = fake.requests
        .slice(before)
        .map((entry) => `${entry.method} ${entry.path.replace(/^\/v4(beta)?/, '').replace(/\d+/g, 'N')}`);
      resolve({ json: JSON.parse(stdout), requests });
    });
  });
}

export async function statusReplicasMeasure() {
  const { FakeLinode } = await loadFakeApi();
  const fake = await new FakeLinode({ token }).start();
  try {
    const home = mkdtempSync(path.join(os.tmpdir(), 'lb-bench-replicas-'));
    const records = await seed(fake, home);
    if (fake.requests.length !== 0) throw new Error('seeding logged requests');
    const env = cliEnv(home, fake, token);
    const listing = ['status', '--all', '--json', '--no-health'];
    const cold = await measured(fake, env, listing);
    const warm = await measured(fake, env, listing);
    const detail = await measured(fake, env, ['status', records[0].id, '--json', '--no-health']);
    // The same detail on a machine whose price lists are not cached yet.
    const fresh = mkdtempSync(path.join(os.tmpdir(), 'lb-bench-replicas-'));
    cpSync(
      path.join(home, '.local/state/linode-build/registry.json'),
      path.join(fresh, '.local/state/linode-build/registry.json'),
    );
    const detailCold = await measured(fake, cliEnv(fresh, fake, token), [
      'status',
      records[0].id,
      '--json',
      '--no-health',
    ]);
    // The numbers count only if status showed what it claims.
    const views = warm.json;
    const complete =
      views.length === DEPLOYMENTS &&
      views.every((view) => view.replicas?.length === REPLICAS && view.nodeBalancer?.ipv4 !== undefined);
    const backends = detail.json[0].replicas.filter((replica) => replica.backend?.status === 'UP').length;
    if (!complete) throw new Error('status did not list every deployment with its replicas and NodeBalancer');
    if (backends !== REPLICAS) throw new Error(`status ID showed ${backends} UP backends, not ${REPLICAS}`);
    if (detail.json[0].placementGroup?.compliant !== true)
      throw new Error('status ID did not show the placement group as compliant');
    return {
      cold: cold.requests,
      warm: warm.requests,
      detail: detail.requests,
      detailCold: detailCold.requests,
    };
  } finally {
    await fake.close();
  }
}

/** Rows for bench/run.mjs: metric, measured, target, met. */
export async function statusReplicasRows() {
  const m = await statusReplicasMeasure();
  const what = `${DEPLOYMENTS} deployments × ${REPLICAS} replicas`;
  return [
    [
      `status requests, ${what} (overview: every replica and NodeBalancer)`,
      `${m.cold.length} cold cache / ${m.warm.length} warm`,
      `<= ${TARGET}`,
      m.cold.length <= TARGET && m.warm.length <= TARGET,
    ],
    [
      `status ID requests, one of ${what} (each replica's backend mode and UP/DOWN, placement group)`,
      `${m.detailCold.length} cold cache / ${m.detail.length} warm`,
      `<= ${TARGET}`,
      // Cold adds the two price lists (cached a day): reported, not hidden.
      m.detail.length <= TARGET && m.detailCold.length <= TARGET,
    ],
  ];
}

if (isMain(import.meta.url)) {
  const m = await statusReplicasMeasure();
  console.log(
    `status of ${DEPLOYMENTS} deployments × ${REPLICAS} replicas against the fake API (requests, target <= ${TARGET}):`,
  );
  console.log(`  overview, cold price cache  ${m.cold.length}: ${m.cold.join(', ')}`);
  console.log(`  overview, warm              ${m.warm.length}: ${m.warm.join(', ')}`);
  console.log(`  status ID (backends), cold  ${m.detailCold.length}: ${m.detailCold.join(', ')}`);
  console.log(`  status ID (backends), warm  ${m.detail.length}: ${m.detail.join(', ')}`);
  console.log(
    `  backends of all ${DEPLOYMENTS} at once    not offered: the API lists nodes per NodeBalancer config (would be ${2 + DEPLOYMENTS})`,
  );
  if ([m.cold, m.warm, m.detail, m.detailCold].some((requests) => requests.length > TARGET))
    process.exitCode = 1;
}
