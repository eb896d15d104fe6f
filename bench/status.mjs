// `status --json` over 200 deployments against the fake Linode API, as ratios measured in one
// run: against one API request round-trip (in-process, and as a child `node` making one
// request) and against `node -e ''`. Also counts the API requests status made (budget: 3).
//
// Run: npm run build && node bench/status.mjs [runs]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const runs = Number(process.argv[2] ?? 10);
const bin = path.join(root, 'bin/linode-build.js');
const token = 'bench-token';
const deployments = 200;

// The fake server is TypeScript; bundle it for plain Node.
const work = mkdtempSync(path.join(os.tmpdir(), 'lb-bench-status-'));
const serverBundle = path.join(work, 'fake-linode.mjs');
await esbuild.build({
  entryPoints: [path.join(root, 'test/fake-linode/server.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  outfile: serverBundle,
  logLevel: 'warning',
});
// Resolve the bundle's external imports (@linode/validation) from the repository.
writeFileSync(path.join(work, 'package.json'), '{"type":"module"}');
mkdirSync(path.join(work, 'node_modules'), { recursive: true });
symlinkSync(path.join(root, 'node_modules/@linode'), path.join(work, 'node_modules/@linode'));
const { FakeLinode } = await import(pathToFileURL(serverBundle).href);

const fake = await new FakeLinode({ token }).start();
const home = path.join(work, 'home');
const stateDir = path.join(home, '.config/linode-cli.d/build');
mkdirSync(stateDir, { recursive: true });
const records = [];
for (let i = 0; i < deployments; i++) {
  const id = `b${String(i).padStart(7, '0')}`;
  const instance = fake.seedInstance({
    label: `bench-prod-${id}`,
    region: 'us-ord',
    type: 'g6-standard-2',
    tags: [`build-id:${id}`, 'build-app:bench', 'build-env:prod', 'build-tmpl:chat-agent'],
  });
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
    label: instance.label,
    linodeId: instance.id,
    ipv4: instance.ipv4[0],
    externalPort: 80,
    createdAt: now,
    updatedAt: now,
  });
}
writeFileSync(path.join(stateDir, 'registry.json'), JSON.stringify({ version: 1, deployments: records }));
const env = {
  PATH: process.env.PATH,
  HOME: home,
  XDG_CONFIG_HOME: path.join(home, '.config'),
  NO_COLOR: '1',
  LINODE_TOKEN: token,
  LINODE_API_URL: fake.url,
};

function timeChild(args) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

async function timeInProcess() {
  const started = process.hrtime.bigint();
  const response = await fetch(`${fake.url}/v4beta/linode/instances?page=1&page_size=500`, {
    headers: { Authorization: `Bearer ${token}`, 'X-Filter': '{}' },
  });
  await response.json();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const oneRequestScript = `const r = await fetch(${JSON.stringify(`${fake.url}/v4beta/linode/instances?page=1&page_size=500`)}, { headers: { Authorization: 'Bearer ${token}' } }); await r.json();`;
const samples = { node: [], request: [], childRequest: [], status: [] };
let requestsPerStatus = 0;
// Warm-up fills the on-disk types cache, as on a user's machine after the first run.
await timeChild([bin, 'status', '--all', '--json', '--no-health']);
for (let i = 0; i < runs; i++) {
  samples.node.push(await timeChild(['-e', '']));
  samples.request.push(await timeInProcess());
  samples.childRequest.push(await timeChild(['--input-type=module', '-e', oneRequestScript]));
  const before = fake.requests.length;
  samples.status.push(await timeChild([bin, 'status', '--all', '--json', '--no-health']));
  requestsPerStatus = fake.requests.length - before;
}
await fake.close();

const m = Object.fromEntries(Object.entries(samples).map(([key, values]) => [key, median(values)]));
console.log(`status --json over ${deployments} deployments (median of ${runs} runs, one machine, one run):`);
console.log(`  node -e ''                         ${m.node.toFixed(1)} ms`);
console.log(`  one API request, in process        ${m.request.toFixed(1)} ms`);
console.log(`  node making one API request        ${m.childRequest.toFixed(1)} ms`);
console.log(
  `  linode-build status --json         ${m.status.toFixed(1)} ms  (${requestsPerStatus} API request(s), budget 3)`,
);
console.log(`  ratio status / node -e ''          ${(m.status / m.node).toFixed(2)}x`);
console.log(`  ratio status / one-request node    ${(m.status / m.childRequest).toFixed(2)}x`);
console.log(`  ratio status / in-process request  ${(m.status / m.request).toFixed(1)}x`);
if (requestsPerStatus > 3) {
  console.error(`status made ${requestsPerStatus} API requests for ${deployments} deployments (budget 3)`);
  process.exitCode = 1;
}
