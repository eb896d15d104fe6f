import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderCapabilityDocs } from '../../src/capability/docs.js';
import { listCapabilities } from '../../src/capability/set.js';

const docsFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/capabilities.md');

describe('docs/capabilities.md', () => {
  const rendered = renderCapabilityDocs();

  it('is up to date with the registry (regenerate: node scripts/gen-capability-docs.mjs)', () => {
    const committed = readFileSync(docsFile, 'utf8');
    expect(
      committed === rendered,
      'docs/capabilities.md is stale: run `node scripts/gen-capability-docs.mjs` and commit the result',
    ).toBe(true);
  });

  it('has a section, a config table or "No settings", and an example for every capability', () => {
    for (const definition of listCapabilities()) {
      const start = rendered.indexOf(`\n## ${definition.name}\n`);
      expect(start, definition.name).toBeGreaterThan(0);
      const next = rendered.indexOf('\n## ', start + 1);
      const section = rendered.slice(start, next === -1 ? undefined : next);
      expect(section).toContain(definition.summary);
      expect(section).toMatch(/\| Key \| Type \| Default \| Description \||No settings\./);
      expect(section).toContain(`\`\`\`yaml\n${definition.example}\n\`\`\``);
    }
  });

  it('shows defaults, nested keys, runtime-dependent requirements and aliases', () => {
    expect(rendered).toContain('| `port` | integer | `9090` |');
    expect(rendered).toContain('| `retention.days` | integer | `7` |');
    expect(rendered).toContain('**Requires (added automatically):** `docker` (with runtime docker)');
    expect(rendered).toContain('**Deprecated aliases:** `nodejs-18`');
    expect(rendered).toContain('**Conflicts with:** `postgresql-15`, `postgresql-16`');
  });
});
