// Writes docs/capabilities.md from the capability set (src/capability/docs.ts).
// Run: node scripts/gen-capability-docs.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { importTs, repoRoot } from './bundle-ts.mjs';

const target = path.join(repoRoot, 'docs/capabilities.md');
const { renderCapabilityDocs } = await importTs(
  "export { renderCapabilityDocs } from './src/capability/docs.ts';",
);
const rendered = renderCapabilityDocs();

if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== rendered) {
    console.error('docs/capabilities.md is stale; run: node scripts/gen-capability-docs.mjs');
    process.exit(1);
  }
  console.log('docs/capabilities.md is up to date');
} else {
  writeFileSync(target, rendered);
  console.log(`wrote ${path.relative(repoRoot, target)} (${rendered.length} bytes)`);
}
