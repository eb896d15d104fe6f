// API efficiency, counted from the fake Linode API's request log (no timing involved):
//   - requests one `status --all --json` makes for 1, 50, 200 and 1,000 deployments, with the
//     types cache cold (first run in a fresh HOME) and warm (second run); target: grows only
//     with list pages (500 per page), <= 3 at 200;
//   - requests one `deploy --wait` makes: creates, lookups, and instance polls per minute of
//     waiting at the default poll interval.
//
// Run: npm run build && node bench/api-efficiency.mjs
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { bin, cliEnv, isMain, loadFakeApi, seedDeployments } from './fake-api.mjs';

const run = promisify(execFile);
const token = 'bench-token';
export const STATUS_SIZES = [1, 50, 200, 1000];
const PAGE_SIZE = 500;

/** Requests made by `args` (run in `cwd`), from the fake's log. */
async function countRequests(fake, args, options) {
  const before = fake.requests.length;
  await run(process.execPath, [bin, ...args], { ...options, maxBuffer: 64 * 1024 * 1024 });
  return fake.requests.slice(before);
}

/** Cold and warm request counts of `status --all --json` per deployment count. */
export async function measureStatusRequests(api, sizes = STATUS_SIZES) {
  const results = [];
  for (const size of sizes) {
    const fake = await new api.FakeLinode({ token }).start();
    const home = path.join(api.work, `status-${size}`);
    seedDeployments(fake, home, size);
    const options = { env: cliEnv(home, fake, token), cwd: home };
    const args = ['status', '--all', '--json', '--no-health'];
    const cold = await countRequests(fake, args, options);
    const warm = await countRequests(fake, args, options);
    await fake.close();
    results.push({
      deployments: size,
      cold: cold.length,
      warm: warm.length,
      pages: Math.max(1, Math.ceil(size / PAGE_SIZE)),
      coldPaths: cold.map((r) => `${r.method} ${r.path}`),
    });
  }
  return results;
}

/**
 * One `deploy --wait` at the default poll interval against a fake whose instance takes
 * `provisionMs + bootMs` to run: creates, lookups and polls (GET of the instance) per minute.
 */
export async function measureDeployRequests(api, { provisionMs = 6000, bootMs = 6000 } = {}) {
  const fake = await new api.FakeLinode({ token, provisionMs, bootMs }).start();
  const app = await api.startHealthApp();
  const home = path.join(api.work, 'deploy');
  mkdirSync(path.join(home, '.ssh'), { recursive: true });
  writeFileSync(
    path.join(home, '.ssh/id_ed25519.pub'),
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly0000000000000000000000 bench@lab\n',
  );
  const env = cliEnv(home, fake, token, { LINODE_BUILD_HEALTH_HOST: app.address });
  const project = path.join(home, 'project');
  await run(process.execPath, [bin, 'init', 'embeddings-python', '--directory', project], { env });
  writeFileSync(path.join(project, '.env'), '', { mode: 0o600 });
  const started = Date.now();
  const log = await countRequests(fake, ['deploy', '--yes', '--json', '--wait'], { env, cwd: project });
  const seconds = (Date.now() - started) / 1000;
  await Promise.all([fake.close(), app.close()]);
  const creates = log.filter((r) => r.method === 'POST');
  const polls = log.filter((r) => r.method === 'GET' && /^\/linode\/instances\/\d+$/.test(r.path));
  const lookups = log.filter((r) => r.method === 'GET' && !polls.includes(r));
  return {
    total: log.length,
    creates: creates.length,
    lookups: lookups.length,
    lookupPaths: [...new Set(lookups.map((r) => r.path))],
    polls: polls.length,
    seconds,
    // The first poll is immediate; the rest are one interval apart.
    pollsPerMinute: (polls.length - 1) / (seconds / 60),
  };
}

/** Table rows: metric, measured, target, met. */
export async function apiEfficiencyRows() {
  const api = await loadFakeApi();
  const status = await measureStatusRequests(api);
  const deploy = await measureDeployRequests(api);
  const rows = status.map((s) => {
    // Warm: one request per page. Cold adds the types list (cached for a day afterwards).
    const grewOnlyWithPages = s.warm <= s.pages && s.cold <= s.pages + 1;
    const budget = s.deployments === 200 ? s.cold <= 3 && s.warm <= 3 : grewOnlyWithPages;
    return [
      `status requests, ${s.deployments.toLocaleString('en-US')} deployment(s)`,
      `${s.cold} cold cache / ${s.warm} warm (${s.pages} page(s) of ${PAGE_SIZE})`,
      s.deployments === 200 ? '<= 3' : 'pages (+1 types list when cold)',
      budget && grewOnlyWithPages,
    ];
  });
  rows.push([
    'deploy --wait requests',
    `${deploy.total}: ${deploy.creates} create(s), ${deploy.lookups} lookup(s), ${deploy.polls} poll(s) in ${deploy.seconds.toFixed(1)} s`,
    '2 creates (firewall + instance)',
    deploy.creates === 2,
  ]);
  rows.push([
    'deploy --wait instance polls per minute of wait',
    deploy.pollsPerMinute.toFixed(1),
    '<= 30 (one per 2 s)',
    deploy.pollsPerMinute <= 30,
  ]);
  return rows;
}

if (isMain(import.meta.url)) {
  const api = await loadFakeApi();
  const status = await measureStatusRequests(api);
  for (const s of status) {
    console.log(`status, ${s.deployments} deployments: ${s.cold} requests cold, ${s.warm} warm`);
    console.log(`  cold: ${s.coldPaths.join(', ')}`);
  }
  const deploy = await measureDeployRequests(api);
  console.log(`deploy --wait: ${JSON.stringify(deploy)}`);
}
