// `status --json` over 200 deployments against the fake Linode API, as ratios measured in one
// run: against one API request round-trip (in-process, and as a child `node` making one
// request) and against `node -e ''`. Also counts the API requests status made (budget: 3).
//
// Run: npm run build && node bench/status.mjs [runs]
import { spawn } from 'node:child_process';
import path from 'node:path';
import { bin, cliEnv, loadFakeApi, median, seedDeployments } from './fake-api.mjs';

const runs = Number(process.argv[2] ?? 10);
const token = 'bench-token';
const deployments = 200;

const { FakeLinode, work } = await loadFakeApi();
const fake = await new FakeLinode({ token }).start();
const home = path.join(work, 'home');
seedDeployments(fake, home, deployments);
const env = cliEnv(home, fake, token);

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
console.log(
  `status --json over ${deployments} deployments on Node ${process.versions.node} (median of ${runs} runs, one machine, one run):`,
);
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
