// Writes docs/capabilities.md from the capability registry (src/capability/docs.ts).
// The registry is TypeScript with `?raw` script imports, so it is bundled in memory with
// esbuild first. Run: node scripts/gen-capability-docs.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const target = path.join(root, 'docs/capabilities.md');

const rawText = {
  name: 'raw-text',
  setup(build) {
    build.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)),
      namespace: 'raw-text',
    }));
    build.onLoad({ filter: /.*/, namespace: 'raw-text' }, (args) => ({
      contents: readFileSync(args.path, 'utf8'),
      loader: 'text',
    }));
  },
};

const result = await esbuild.build({
  stdin: {
    contents: "export { renderCapabilityDocs } from './src/capability/docs.ts';",
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'warning',
  plugins: [rawText],
});
const moduleUrl = `data:text/javascript;base64,${Buffer.from(result.outputFiles[0].text).toString('base64')}`;
const { renderCapabilityDocs } = await import(moduleUrl);
const rendered = renderCapabilityDocs();

if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== rendered) {
    console.error('docs/capabilities.md is stale; run: node scripts/gen-capability-docs.mjs');
    process.exit(1);
  }
  console.log('docs/capabilities.md is up to date');
} else {
  writeFileSync(target, rendered);
  console.log(`wrote ${path.relative(root, target)} (${rendered.length} bytes)`);
}
