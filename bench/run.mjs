// Every benchmark in one run, printed as ONE markdown table (metric, measured, target, met?).
// Timings are ratios against `node -e ''` measured in the same run (medians of interleaved
// runs); request counts, sizes and the boot path are exact.
//
// Run:    npm run bench                      (build, then this script)
//         node bench/run.mjs --runs 15       (more samples per start-up figure; >= 10)
//         node bench/run.mjs --write-docs    (also replace the table in docs/benchmarks.md)
import { execSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiEfficiencyRows } from './api-efficiency.mjs';
import { bootPathRows } from './boot-path.mjs';
import { root } from './fake-api.mjs';
import { planSizeRows } from './plan-size.mjs';
import { TARGETS } from './startup.mjs';
import { statusReplicasRows } from './status-replicas.mjs';
import { allUserData } from './userdata.mjs';

const runsIndex = process.argv.indexOf('--runs');
const runs = runsIndex === -1 ? 11 : Number(process.argv[runsIndex + 1]);
if (!Number.isInteger(runs) || runs < 10) throw new Error('--runs must be a whole number of at least 10');

/** Runs another bench script (on `node`) and returns its stdout (they print reports). */
function runScript(script, args = [], node = process.execPath) {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [path.join(root, 'bench', script), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.on('error', reject);
    // Both scripts set a non-zero exit code when a target is missed; the table reports that.
    child.on('close', () => resolve(stdout));
  });
}

/**
 * Start-up is measured on this Node and on Node 24 (`node scripts/node-build.mjs 24` fetches
 * it; .ci/run does). The targets are Node 24's: its bare start is faster, so ratios are harder,
 * and Node 20 (end of life) has no compile cache; its figures are reported for comparison.
 */
const node24 = path.join(root, '.cache/node/24/bin/node');
const nodes = [
  process.execPath,
  ...(existsSync(node24) && !process.version.startsWith('v24.') ? [node24] : []),
];
const targetsApply = (version) => version.startsWith('24.');

const number = (text, pattern, what) => {
  const match = pattern.exec(text);
  if (!match) throw new Error(`could not read ${what} from:\n${text}`);
  return Number(match[1].replace(/,/g, ''));
};

async function startupRows(plans, node) {
  const largest = plans.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const text = await runScript(
    'startup.mjs',
    ['--json', '--runs', String(runs), '--', 'plan', '--template', largest.name],
    node,
  );
  const { node: version, results } = JSON.parse(text);
  return results.slice(1).map((result) => row(version, result.command.replace('linode-build ', ''), result));
}

async function statusStartupRow(node) {
  const text = await runScript('status.mjs', [String(runs)], node);
  const version = /on Node ([\d.]+)/.exec(text)?.[1] ?? '?';
  const ratio = number(text, /ratio status \/ node -e ''\s+([\d.]+)x/, 'the status ratio');
  const ms = number(text, /status --json\s+([\d.]+) ms/, 'the status time');
  return row(version, 'status --json, 200 deployments (fake API)', {
    ratio,
    medianMs: ms,
    target: TARGETS.status,
  });
}

/** One start-up row; the target applies on Node 24 only. */
function row(version, what, { ratio, medianMs, target }) {
  const applies = targetsApply(version);
  return [
    `start-up on Node ${version}: ${what} / node -e ''`,
    `${ratio.toFixed(2)}x (${medianMs.toFixed(0)} ms)`,
    applies ? `<= ${target}x` : `report (target ${target}x is Node 24's)`,
    applies ? ratio <= target : 'n/a',
  ];
}

async function watcherRows() {
  const text = await runScript('watcher.mjs');
  const rate = number(text, /events classified\/s\s+([\d,]+)/, 'events/s');
  const rss = number(text, /peak RSS \(event storm\)\s+([\d.]+) MB/, 'storm RSS');
  const rssAll = number(text, /peak RSS \(whole run\)\s+([\d.]+) MB/, 'whole-run RSS');
  const p99 = number(text, /\/issues p50 \/ p99\s+[\d.]+ \/ ([\d.]+) ms/, 'p99');
  const p99Gzip = number(text, /\/issues p50 \/ p99 \(gzip\)\s+[\d.]+ \/ ([\d.]+) ms/, 'gzip p99');
  const privateRss = number(text, /peak private RSS \(whole run\)\s+([\d.]+) MB/, 'private RSS');
  const node = /watcher on Node ([\d.]+)/.exec(text)?.[1] ?? '?';
  // CPU time, unlike wall-clock time, does not grow with the other load on the machine.
  const perCpuSecond = number(text, /\(([\d,]+) events per CPU-second\)/, 'events per CPU-second');
  return [
    [
      'watcher: events classified per second (100k events)',
      rate.toLocaleString('en-US'),
      '>= 20,000',
      rate >= 20000,
    ],
    [
      'watcher: events classified per CPU-second (load-independent)',
      perCpuSecond.toLocaleString('en-US'),
      '>= 20,000',
      perCpuSecond >= 20000,
    ],
    [`watcher on Node ${node}: peak RSS during the event storm`, `${rss} MB`, '<= 60 MB', rss <= 60],
    [`watcher on Node ${node}: peak RSS, whole run`, `${rssAll} MB`, '<= 60 MB', rssAll <= 60],
    [
      `watcher on Node ${node}: peak private (anonymous) RSS, whole run`,
      `${privateRss} MB`,
      'report (the rest is the node binary)',
      'n/a',
    ],
    [
      `watcher on Node ${node}: /issues p99, 10 clients during a 20,000 events/s storm`,
      `${p99} ms (${p99Gzip} ms gzipped)`,
      '< 20 ms',
      p99 < 20 && p99Gzip < 20,
    ],
  ];
}

function machine() {
  const memory = `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`;
  const load = os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' / ');
  let cpus = String(os.cpus().length);
  try {
    cpus = execSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // nproc is coreutils; os.cpus() is the fallback.
  }
  return `${cpus} CPUs (nproc), ${memory} memory, Node ${process.versions.node}, ${os.type()} ${os.release()}; load average (1/5/15 min) at the end: ${load}`;
}

const started = Date.now();
const plans = allUserData();
const startup = [];
for (const node of nodes) startup.push(...(await startupRows(plans, node)), await statusStartupRow(node));
const rows = [
  ...startup,
  ...(await apiEfficiencyRows()),
  ...(await statusReplicasRows()),
  ...planSizeRows(plans),
  ...bootPathRows(plans),
  ...(await watcherRows()),
];
const verdict = (met) => (met === true ? 'yes' : met === false ? '**no**' : met);
const table = [
  '| metric | measured | target | met? |',
  '| --- | --- | --- | --- |',
  ...rows.map(
    ([metric, measured, target, met]) => `| ${metric} | ${measured} | ${target} | ${verdict(met)} |`,
  ),
].join('\n');
const header = `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC in ${((Date.now() - started) / 1000).toFixed(0)} s; ${runs} interleaved runs per start-up figure. Machine: ${machine()}.`;
console.log(`${header}\n\n${table}`);

if (process.argv.includes('--write-docs')) {
  const file = path.join(root, 'docs/benchmarks.md');
  const text = readFileSync(file, 'utf8');
  const begin = '<!-- bench:begin -->';
  const end = '<!-- bench:end -->';
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from === -1 || to === -1) throw new Error(`${file} has no ${begin} … ${end} markers`);
  writeFileSync(file, `${text.slice(0, from + begin.length)}\n${header}\n\n${table}\n${text.slice(to)}`);
}
