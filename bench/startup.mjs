// Start-up time of the CLI against bare Node, as ratios measured in one run (machines are noisy;
// absolute times mean little, the ratio to `node -e ''` of the same Node in the same run does).
// Each command is run N times, interleaved with the baseline, and the medians are compared.
// Targets (TARGETS, on Node 24 with Node's compile cache): `--help` <= 1.5x, `templates list`
// <= 1.6x, `plan` of the largest template <= 2.5x (status: bench/status.mjs).
//
// Run:    npm run build && node bench/startup.mjs [--runs N] [--json] [-- extra command words ...]
//         (any Node: .cache/node/24/bin/node bench/startup.mjs measures on Node 24)
// Import: import { measureStartup } from './bench/startup.mjs'
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = path.join(root, 'bin/linode-build.js');

/** Ratio targets by first command word(s), for Node 24 (issue 15). */
export const TARGETS = { '--help': 1.5, 'templates list': 1.6, plan: 2.5, status: 3 };
export const DEFAULT_COMMANDS = [['--help'], ['templates', 'list']];

/** The target for a command line, e.g. ['plan', '--template', 'x'] → 2.5. */
export function targetFor(words) {
  return TARGETS[words.slice(0, 2).join(' ')] ?? TARGETS[words[0]];
}

function timeOnce(argv, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`'node ${argv.join(' ')}' failed: ${result.stderr}`);
  return elapsed;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Medians (ms) of `node -e ''` and of each CLI command, interleaved run by run so that load
 * changes on the machine hit all of them alike. Runs in a throwaway HOME (no user templates).
 */
export function measureStartup({ runs = 15, commands = DEFAULT_COMMANDS } = {}) {
  if (!existsSync(path.join(root, 'dist/cli.js')))
    throw new Error('dist/cli.js is missing: run `npm run build` first');
  const home = mkdtempSync(path.join(os.tmpdir(), 'lb-bench-startup-'));
  const env = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    NO_COLOR: '1',
  };
  delete env.LINODE_BUILD_HOME;
  // A machine-wide CA bundle (some CI and sandbox images set one) adds ~90 ms to every start of
  // Node 20, the baseline included, and would hide the CLI's own cost.
  delete env.NODE_EXTRA_CA_CERTS;
  const subjects = [{ label: "node -e ''", argv: ['-e', ''] }].concat(
    commands.map((words) => ({
      label: `linode-build ${words.join(' ')}`,
      argv: [bin, ...words],
      target: targetFor(words),
    })),
  );
  const samples = subjects.map(() => []);
  // One warm-up round fills the OS file cache.
  for (const subject of subjects) timeOnce(subject.argv, env);
  for (let run = 0; run < runs; run++) {
    subjects.forEach((subject, i) => {
      samples[i].push(timeOnce(subject.argv, env));
    });
  }
  const baseline = median(samples[0]);
  return subjects.map((subject, i) => {
    const value = median(samples[i]);
    return { command: subject.label, medianMs: value, ratio: value / baseline, target: subject.target };
  });
}

function parseArguments(argv) {
  const separator = argv.indexOf('--');
  const own = separator === -1 ? argv : argv.slice(0, separator);
  const extra = separator === -1 ? [] : argv.slice(separator + 1);
  const runsIndex = own.indexOf('--runs');
  const runs = runsIndex === -1 ? 15 : Number(own[runsIndex + 1]);
  if (!Number.isInteger(runs) || runs < 10) throw new Error('--runs must be a whole number of at least 10');
  return {
    runs,
    json: own.includes('--json'),
    commands: extra.length > 0 ? [...DEFAULT_COMMANDS, extra] : DEFAULT_COMMANDS,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const options = parseArguments(process.argv.slice(2));
  const results = measureStartup(options);
  if (options.json) {
    console.log(JSON.stringify({ node: process.versions.node, results }));
    process.exit(0);
  }
  const width = Math.max(...results.map((result) => result.command.length));
  console.log(`start-up on Node ${process.versions.node}, median of ${options.runs} interleaved runs:`);
  for (const result of results) {
    const verdict =
      result.target === undefined
        ? ''
        : result.ratio <= result.target
          ? `  ok (target ${result.target}x on Node 24)`
          : `  OVER TARGET (${result.target}x on Node 24)`;
    console.log(
      `  ${result.command.padEnd(width)}  ${result.medianMs.toFixed(1).padStart(7)} ms  ${result.ratio.toFixed(2)}x${verdict}`,
    );
  }
}
