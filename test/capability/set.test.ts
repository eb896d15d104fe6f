import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveCapabilities } from '../../src/capability/resolve.js';
import { schemaDefaults } from '../../src/capability/schema-defaults.js';
import {
  capabilityAliases,
  capabilityNames,
  createCapabilitySet,
  getCapability,
  listCapabilities,
} from '../../src/capability/set.js';
import type { JsonSchema } from '../../src/capability/types.js';
import type { Runtime } from '../../src/template/types.js';
import { type FeatureInput, makeTemplate, resolveContextOf } from './fixtures.js';

const capabilitiesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../capabilities');

describe('registry', () => {
  it('registers every capability folder (shared helpers live in _lib)', () => {
    const folders = readdirSync(capabilitiesDir).filter(
      (entry) => !entry.startsWith('_') && statSync(path.join(capabilitiesDir, entry)).isDirectory(),
    );
    expect(folders.length).toBeGreaterThanOrEqual(10);
    const names = capabilityNames();
    for (const folder of folders) {
      const registered = names.filter((name) => name === folder || name.startsWith(`${folder}-`));
      expect(registered, `capabilities/${folder} is not in capabilities/index.ts`).not.toEqual([]);
    }
  });

  it('has every built-in the product promises', () => {
    expect(capabilityNames()).toEqual(
      expect.arrayContaining([
        'docker',
        'native',
        'docker-optimize',
        'gpu-nvidia',
        'redis',
        'postgresql-14',
        'postgresql-15',
        'postgresql-16',
        'python-3.10',
        'python-3.11',
        'python-3.12',
        'nodejs-20',
        'nodejs-22',
        'nodejs-24',
        'buildwatch',
        'packages',
      ]),
    );
    expect(capabilityNames()).not.toContain('nodejs-18');
  });

  it('looks capabilities up by name and maps deprecated aliases', () => {
    expect(getCapability('redis')?.name).toBe('redis');
    expect(getCapability('nodejs-18')).toBeUndefined();
    expect(capabilityAliases()).toEqual(new Map([['nodejs-18', 'nodejs-20']]));
    expect(listCapabilities().map((c) => c.name)).toEqual(capabilityNames());
  });

  it('refuses duplicate names and ambiguous aliases', () => {
    const redis = getCapability('redis')!;
    expect(() => createCapabilitySet([redis, redis])).toThrow(/defined twice/);
    expect(() => createCapabilitySet([redis, { ...getCapability('docker')!, aliases: ['redis'] }])).toThrow(
      /ambiguous/,
    );
  });

  it('references only registered capabilities in requires, after and conflicts', () => {
    const names = new Set(capabilityNames());
    for (const definition of listCapabilities()) {
      for (const runtime of ['docker', 'native'] as Runtime[]) {
        const required = definition.requires?.(schemaDefaults(definition.configSchema), { runtime }) ?? [];
        for (const name of required) expect(names, `${definition.name} requires ${name}`).toContain(name);
      }
      for (const name of [...(definition.after ?? []), ...(definition.conflicts ?? [])]) {
        expect(names, `${definition.name} refers to ${name}`).toContain(name);
      }
    }
  });
});

/** Every object level of a schema: additionalProperties false, every property described. */
function checkSchema(schema: JsonSchema, where: string): void {
  expect(schema.type, where).toBe('object');
  expect(schema.additionalProperties, `${where} must set additionalProperties: false`).toBe(false);
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [key, property] of Object.entries(properties)) {
    expect(typeof property.description, `${where}.${key} needs a description`).toBe('string');
    if (property.type === 'object') checkSchema(property, `${where}.${key}`);
  }
}

describe('definitions', () => {
  const ajv = new Ajv({ strict: true, useDefaults: true });

  for (const definition of listCapabilities()) {
    describe(definition.name, () => {
      it('has a strict, documented config schema whose defaults are valid', () => {
        checkSchema(definition.configSchema, definition.name);
        const validate = ajv.compile(definition.configSchema);
        const config = {};
        expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
        // The resolver's fast path for an empty config relies on these being identical.
        expect(config).toEqual(schemaDefaults(definition.configSchema));
        expect(definition.configSchema.required).toBeUndefined();
      });

      it('has a summary, a markdown description and a kebab-case name', () => {
        expect(definition.name).toMatch(/^[a-z][a-z0-9.]*(-[a-z0-9.]+)*$/);
        expect(definition.summary.length).toBeGreaterThan(10);
        expect(definition.summary.length).toBeLessThanOrEqual(110);
        expect(definition.description.split('\n').length).toBeGreaterThanOrEqual(2);
      });

      it('has an example that parses and resolves without errors', () => {
        const example = parse(definition.example) as {
          capabilities: { runtime?: Runtime; features?: FeatureInput[]; packages?: string[] };
          deploy?: { linode?: { image?: string; type_default?: string } };
        };
        const image = example.deploy?.linode?.image ?? definition.images?.[0] ?? 'linode/ubuntu24.04';
        const type =
          example.deploy?.linode?.type_default ??
          (definition.name === 'gpu-nvidia' ? 'g2-gpu-rtx4000a1-s' : 'g6-standard-2');
        const template = makeTemplate({
          runtime: example.capabilities.runtime ?? 'docker',
          features: example.capabilities.features ?? [],
          packages: example.capabilities.packages ?? [],
          image,
          type,
        });
        const result = resolveCapabilities(template, resolveContextOf(template));
        // A deprecated capability still resolves, with exactly its deprecation warning.
        const reason = definition.deprecated?.reason;
        expect(result.diagnostics).toEqual(
          reason === undefined
            ? []
            : [expect.objectContaining({ severity: 'warning', message: expect.stringContaining(reason) })],
        );
        expect(result.capabilities.map((c) => c.definition.name)).toContain(definition.name);
      });
    });
  }
});
