// Start-up cost of the capability set and resolver, as ratios measured in one run:
// `node <bundle that imports the capability set and resolves a GPU template>` against `node -e ''`.
// The capability set sits on the start-up path of `templates validate` and `plan`.
// Run: node bench/capability-set.mjs [runs]
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleTsToFile } from '../scripts/bundle-ts.mjs';

const runs = Number(process.argv[2] ?? 20);

const template = {
  capabilities: {
    runtime: 'docker',
    features: ['gpu-nvidia', 'docker-optimize', 'redis', 'buildwatch'].map((name) => ({ name, config: {} })),
    packages: ['htop'],
  },
};
const entries = {
  set: "import { listCapabilities } from './src/capability/set.ts'; listCapabilities();",
  resolve: `import { resolveCapabilities } from './src/capability/resolve.ts';
const r = resolveCapabilities(${JSON.stringify(template)}, { image: 'linode/ubuntu22.04', type: 'g2-gpu-rtx4000a1-s', runtime: 'docker' });
if (r.capabilities.length !== 6) throw new Error('unexpected resolution');`,
  // A feature with config: the only case that loads and compiles Ajv.
  withConfig: `import { resolveCapabilities } from './src/capability/resolve.ts';
const t = ${JSON.stringify({ ...template, capabilities: { ...template.capabilities, features: [{ name: 'redis', config: { maxmemory: '1gb' } }] } })};
const r = resolveCapabilities(t, { image: 'linode/ubuntu22.04', type: 'g6-standard-2', runtime: 'docker' });
if (r.diagnostics.some((d) => d.severity === 'error')) throw new Error('unexpected errors');`,
};

const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-bench-cap-'));
const files = {};
for (const [name, contents] of Object.entries(entries)) {
  files[name] = await bundleTsToFile(contents, path.join(dir, `${name}.mjs`));
}

function median(argv) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, argv, { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${argv.join(' ')} failed`);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

// Interleave the baseline with each candidate so machine noise hits both alike.
const baseline = median(['-e', '']);
const set = median([files.set]);
const resolve = median([files.resolve]);
const withConfig = median([files.withConfig]);
const baselineAgain = median(['-e', '']);
const base = (baseline + baselineAgain) / 2;
console.log(`node -e '' median: ${base.toFixed(1)} ms (${runs} runs)`);
console.log(`import capability set:      ${set.toFixed(1)} ms  ratio ${(set / base).toFixed(2)}x`);
console.log(`import + resolve (GPU tmpl): ${resolve.toFixed(1)} ms  ratio ${(resolve / base).toFixed(2)}x`);
console.log(
  `resolve with a config (Ajv): ${withConfig.toFixed(1)} ms  ratio ${(withConfig / base).toFixed(2)}x`,
);
