// Start-up time of the CLI against bare Node, as ratios measured in one run (machines are noisy;
// absolute times mean little, the ratio to `node -e ''` in the same run does).
// Each command is run N times, interleaved with the baseline, and the medians are compared.
// Target: `--help` and `templates list` within 1.3x of `node -e ''`.
//
// Run:    npm run build && node bench/startup.mjs [--runs N] [-- extra command words ...]
// Import: import { measureStartup } from './bench/startup.mjs'
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = path.join(root, 'bin/linode-build.js');

export const TARGET_RATIO = 1.3;
export const DEFAULT_COMMANDS = [['--help'], ['templates', 'list']];

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
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), NO_COLOR: '1' };
  delete env.LINODE_BUILD_HOME;
  const subjects = [{ label: "node -e ''", argv: ['-e', ''] }].concat(
    commands.map((words) => ({ label: `linode-build ${words.join(' ')}`, argv: [bin, ...words] })),
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
    return { command: subject.label, medianMs: value, ratio: value / baseline };
  });
}

function parseArguments(argv) {
  const separator = argv.indexOf('--');
  const own = separator === -1 ? argv : argv.slice(0, separator);
  const extra = separator === -1 ? [] : argv.slice(separator + 1);
  const runsIndex = own.indexOf('--runs');
  const runs = runsIndex === -1 ? 15 : Number(own[runsIndex + 1]);
  if (!Number.isInteger(runs) || runs < 10) throw new Error('--runs must be a whole number of at least 10');
  return { runs, commands: extra.length > 0 ? [...DEFAULT_COMMANDS, extra] : DEFAULT_COMMANDS };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const options = parseArguments(process.argv.slice(2));
  const results = measureStartup(options);
  const width = Math.max(...results.map((result) => result.command.length));
  console.log(
    `start-up, median of ${options.runs} interleaved runs (target <= ${TARGET_RATIO}x node -e ''):`,
  );
  for (const result of results) {
    const verdict = result.command.startsWith('node ')
      ? ''
      : result.ratio <= TARGET_RATIO
        ? '  ok'
        : '  OVER TARGET';
    console.log(
      `  ${result.command.padEnd(width)}  ${result.medianMs.toFixed(1).padStart(7)} ms  ${result.ratio.toFixed(2)}x${verdict}`,
    );
  }
}
