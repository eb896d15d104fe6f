/**
 * The generated capability config validators (src/capability/config-validators.generated.js,
 * Ajv standalone code from scripts/gen-validators.mjs) are current, and behave exactly
 * like Ajv compiling the same schema at run time: same verdict, same errors, same defaults
 * filled in, on valid configs, wrong types, out-of-range values and unknown keys.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { configValidators } from '../../src/capability/config-validators.generated.js';
import { schemaDefaults, schemaProperties } from '../../src/capability/schema-defaults.js';
import { listCapabilities } from '../../src/capability/set.js';
import { repoRoot } from '../support/cli.js';

/** Values of every JSON type, so each property sees a wrong one. */
const SAMPLES: readonly unknown[] = ['x', '', 0, 1, -1, 70000, 3.5, true, [], ['x'], {}, null];

function inputsFor(schema: Parameters<typeof schemaProperties>[0]): Record<string, unknown>[] {
  const defaults = schemaDefaults(schema);
  const inputs: Record<string, unknown>[] = [{}, defaults, { no_such_option: 1 }];
  for (const key of Object.keys(schemaProperties(schema))) {
    for (const value of SAMPLES) inputs.push({ ...defaults, [key]: value });
  }
  return inputs;
}

describe('generated capability config validators', () => {
  it('are current (regenerate: node scripts/gen-validators.mjs)', () => {
    const check = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'scripts/gen-validators.mjs'), '--check'],
      {
        encoding: 'utf8',
      },
    );
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
  });

  it('exist for every built-in capability and no other', () => {
    expect(Object.keys(configValidators).sort()).toEqual(
      listCapabilities()
        .map((c) => c.name)
        .sort(),
    );
  });

  it("agree with Ajv's run-time compilation on verdict, errors and defaults", () => {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true });
    let invalid = 0;
    for (const definition of listCapabilities()) {
      const generated = configValidators[definition.name]!;
      const compiled = ajv.compile(definition.configSchema);
      for (const input of inputsFor(definition.configSchema)) {
        const a = structuredClone(input);
        const b = structuredClone(input);
        const verdict = generated(a);
        expect(compiled(b), `${definition.name} ${JSON.stringify(input)}`).toBe(verdict);
        expect(a).toEqual(b);
        expect(generated.errors ?? null).toEqual(compiled.errors ?? null);
        if (!verdict) invalid++;
      }
    }
    // The inputs do exercise the error paths.
    expect(invalid).toBeGreaterThan(100);
  });
});
