// API requests of `status` for deployments with replicas, against the fake Linode API:
//   - `status --all --json` over 50 deployments × 3 replicas (seeded: 150 tagged instances and
//     their registry records); target ≤ 4 requests;
//   - `status ID --json` of one deployment of 3 replicas made by a real `deploy` (backend mode
//     and check status per replica from its NodeBalancer);
// plus the time `deploy` takes to create those 3 replicas and register them.
//
// Run: npm run build && node bench/replicas.mjs
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bin, cliEnv, loadFakeApi, registryRecord } from './fake-api.mjs';

const token = 'bench-token';
const deployments = 50;
const replicas = 3;

const { FakeLinode, work } = await loadFakeApi();
const fake = await new FakeLinode({ token, provisionMs: 20, bootMs: 20, deleteMs: 20 }).start();
const home = path.join(work, 'home');
const stateDir = path.join(home, '.local/state/linode-build');
mkdirSync(stateDir, { recursive: true });
mkdirSync(path.join(home, '.ssh'), { recursive: true });
writeFileSync(
  path.join(home, '.ssh/id_ed25519.pub'),
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForBenchOnly00000000000000000000000 bench@lab\n',
);

const records = [];
for (let i = 0; i < deployments; i++) {
  const id = `r${String(i).padStart(7, '0')}`;
  const members = [];
  for (let k = 1; k <= replicas; k++) {
    const instance = fake.seedInstance({
      label: `bench-prod-${id}-${k}`,
      region: 'us-ord',
      type: 'g6-standard-2',
      tags: [
        `build-id:${id}`,
        'build-app:bench',
        'build-env:prod',
        'build-tmpl:chat-agent',
        `build-replica:${id}-${k}`,
      ],
    });
    members.push({ index: k, linodeId: instance.id, ipv4: instance.ipv4[0] });
  }
  const first = fake.listInstances().find((instance) => instance.id === members[0].linodeId);
  records.push({ ...registryRecord(id, first), scale: { replicas, members } });
}
writeFileSync(path.join(stateDir, 'registry.json'), JSON.stringify({ version: 1, deployments: records }));

const env = cliEnv(home, fake, token, { LINODE_BUILD_POLL_MS: '20', LINODE_BUILD_RETRY_BASE_MS: '10' });
// Asynchronous: the fake API answers from this process's event loop.
const run = (args, cwd = home) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
const requestsOf = async (args, cwd) => {
  const before = fake.requests.length;
  await run(args, cwd);
  return fake.requests.slice(before).map((entry) => `${entry.method} ${entry.path}`);
};

// Warm-up fills the on-disk types cache, as on a user's machine after the first run.
await run(['status', '--all', '--json', '--no-health']);
const listing = await requestsOf(['status', '--all', '--json', '--no-health']);

const project = path.join(home, 'replicated');
await run(['init', 'embeddings-python', '--directory', project]);
const yml = path.join(project, 'deploy.yml');
const text = readFileSync(yml, 'utf8');
writeFileSync(yml, text.replace(/(\n\s+region_default: [^\n]+\n)/, `$1    replicas: ${replicas}\n`));
writeFileSync(path.join(project, '.env'), '');
const started = process.hrtime.bigint();
const deployed = JSON.parse(await run(['deploy', '--yes', '--json'], project));
const deployMs = Number(process.hrtime.bigint() - started) / 1e6;
const detail = await requestsOf(['status', deployed.id, '--json', '--no-health']);
await fake.close();

console.log(
  `status --all --json, ${deployments} deployments × ${replicas} replicas: ${listing.length} API requests (target ≤ 4)`,
);
for (const line of listing) console.log(`  ${line}`);
console.log(
  `status ID --json, one deployment of ${replicas} replicas with backends: ${detail.length} API requests`,
);
for (const line of detail) console.log(`  ${line}`);
console.log(
  `deploy of ${replicas} replicas behind a NodeBalancer (fake, 20 ms boots): ${deployMs.toFixed(0)} ms`,
);
