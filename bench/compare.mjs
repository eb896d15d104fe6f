// Start-up of two builds of the CLI side by side, as ratios to `node -e ''` of the Node running
// this script, all runs interleaved (baseline, build A, build B, …) so load changes hit every
// subject alike. For before/after tables (docs/benchmarks.md): check the old commit out
// elsewhere, `npm ci && npm run build` there, then run this once per Node line.
//
// --cpu measures each run's CPU time (user + system of the child, from bash's `times`, in ms)
// instead of its wall time: on a machine shared with other work, wall time mostly measures the
// others.
//
// Run: node bench/compare.mjs --before /tmp/old-checkout [--after .] [--runs 21] [--cpu]
//      .cache/node/24/bin/node bench/compare.mjs --before /tmp/old-checkout
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cliEnv, loadFakeApi, median, root, seedDeployments } from './fake-api.mjs';

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    after: { type: 'string', default: root },
    runs: { type: 'string', default: '21' },
    cpu: { type: 'boolean', default: false },
  },
});
if (!values.before) throw new Error('--before DIR (a built checkout) is required');
const runs = Number(values.runs);
const builds = { before: path.resolve(values.before), after: path.resolve(values.after) };

const token = 'bench-token';
const { FakeLinode, work } = await loadFakeApi();
const fake = await new FakeLinode({ token }).start();
const statusHome = path.join(work, 'home');
seedDeployments(fake, statusHome, 200);

/** A throwaway HOME per build, so each keeps its own compile cache, as a user's would. */
function homeEnv() {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lb-bench-compare-'));
  return cliEnv(home, fake, token, { XDG_CACHE_HOME: path.join(home, '.cache') });
}

/** `times` prints the shell's own CPU time, then its children's: `0m0.071s 0m0.007s`. */
function childCpuMs(timesOutput) {
  const line = timesOutput.trim().split('\n').at(-1);
  return line
    .split(' ')
    .map((field) => /^(\d+)m([\d.]+)s$/.exec(field))
    .reduce((total, match) => total + (Number(match[1]) * 60 + Number(match[2])) * 1000, 0);
}

function time(argv, env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const [command, args] = values.cpu
      ? ['bash', ['-c', '"$0" "$@" >/dev/null; times', process.execPath, ...argv]]
      : [process.execPath, argv];
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`node ${argv.join(' ')} exited ${code}: ${stderr}`));
      else if (values.cpu) resolve(childCpuMs(stdout));
      else resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

const commands = [
  ['--help'],
  ['templates', 'list'],
  ['templates', 'validate', 'templates/ml-pipeline'],
  ['plan', '--template', 'ml-pipeline'],
  ['status', '--all', '--json', '--no-health'],
];
const subjects = [{ label: "node -e ''", argv: ['-e', ''], env: cliEnv(statusHome, fake, token) }];
for (const words of commands) {
  for (const [name, directory] of Object.entries(builds)) {
    // status reads the seeded registry (its HOME); the others get a fresh HOME each.
    const env =
      words[0] === 'status'
        ? cliEnv(statusHome, fake, token, { XDG_CACHE_HOME: path.join(statusHome, `.cache-${name}`) })
        : homeEnv();
    subjects.push({
      label: `${words.join(' ')} (${name})`,
      argv: [path.join(directory, 'bin/linode-build.js'), ...words],
      env,
    });
  }
}
// Two warm-up rounds: file cache, compile caches and the status types cache.
for (let round = 0; round < 2; round++) for (const subject of subjects) await time(subject.argv, subject.env);
const samples = subjects.map(() => []);
for (let run = 0; run < runs; run++) {
  for (const [i, subject] of subjects.entries()) samples[i].push(await time(subject.argv, subject.env));
}
await fake.close();

const baseline = median(samples[0]);
console.log(
  `Node ${process.versions.node}, median ${values.cpu ? 'CPU time (user + system)' : 'wall time'} of ${runs} interleaved runs, load average ${os.loadavg()[0].toFixed(1)} at the end:`,
);
for (const [i, subject] of subjects.entries()) {
  const value = median(samples[i]);
  console.log(
    `  ${subject.label.padEnd(48)} ${value.toFixed(1).padStart(7)} ms  ${(value / baseline).toFixed(2)}x`,
  );
}
