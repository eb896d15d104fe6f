// Start-up of `plan --template <largest bundled template>` against bare Node, as a ratio
// measured in one run (target: TARGETS.plan in startup.mjs), plus the user-data size of every bundled
// template. Reuses measureStartup from startup.mjs.
//
// Run: npm run build && node bench/plan-startup.mjs [--runs N]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureStartup, TARGETS } from './startup.mjs';

export const PLAN_TARGET_RATIO = TARGETS.plan;
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = path.join(root, 'bin/linode-build.js');

/** User-data bytes per bundled template, from `plan --template NAME --json`. */
function templateSizes() {
  const names = readdirSync(path.join(root, 'templates'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return names.map((name) => {
    const result = spawnSync(process.execPath, [bin, 'plan', '--template', name, '--json'], {
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`plan --template ${name} failed: ${result.stderr}`);
    const plan = JSON.parse(result.stdout);
    return {
      name,
      bytes: plan.size.total,
      document: plan.size.document,
      base64: plan.createRequest.metadata.user_data.base64_bytes,
    };
  });
}

const runsIndex = process.argv.indexOf('--runs');
const runs = runsIndex === -1 ? 15 : Number(process.argv[runsIndex + 1]);
const sizes = templateSizes();
const largest = sizes.reduce((a, b) => (b.document > a.document ? b : a));
console.log('user-data per bundled template (limit 65,535 bytes before base64):');
for (const size of sizes) {
  console.log(
    `  ${size.name.padEnd(20)} ${String(size.bytes).padStart(6)} bytes sent  (${size.base64} base64; document ${size.document})`,
  );
}
const [baseline, plan] = measureStartup({ runs, commands: [['plan', '--template', largest.name]] });
console.log(`start-up, median of ${runs} interleaved runs (target <= ${PLAN_TARGET_RATIO}x):`);
console.log(`  ${baseline.command.padEnd(40)} ${baseline.medianMs.toFixed(1).padStart(7)} ms`);
const verdict = plan.ratio <= PLAN_TARGET_RATIO ? 'ok' : 'OVER TARGET';
console.log(
  `  ${plan.command.padEnd(40)} ${plan.medianMs.toFixed(1).padStart(7)} ms  ${plan.ratio.toFixed(2)}x ${verdict}`,
);
