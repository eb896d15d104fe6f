/**
 * The JSON Schema is what editors use; the CLI checks with its own walker of the same file.
 * These tests keep the two in agreement and the schema valid for Ajv.
 */
import Ajv from 'ajv';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import schema from '../../schema/template.schema.json';
import { SchemaChecker, type SchemaNode } from '../../src/template/schema-check.js';
import { BASE_TEMPLATE } from './helpers.js';

function ajvValidator() {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addKeyword('x-hint');
  return ajv.compile(schema);
}

const walker = new SchemaChecker(schema as SchemaNode);
const walkerAccepts = (value: unknown) => walker.check(value).length === 0;

describe('template.schema.json', () => {
  test('compiles under Ajv strict mode', () => {
    expect(() => ajvValidator()).not.toThrow();
  });

  test('bundled-style template: both accept', () => {
    const value = parse(BASE_TEMPLATE);
    expect(ajvValidator()(value)).toBe(true);
    expect(walkerAccepts(value)).toBe(true);
  });

  test('Ajv and the walker agree on random mutations of a valid template', () => {
    const validate = ajvValidator();
    const base = parse(BASE_TEMPLATE) as Record<string, unknown>;
    const paths: (readonly (string | number)[])[] = [
      ['name'],
      ['version'],
      ['lifetime'],
      ['capabilities', 'runtime'],
      ['capabilities', 'features', 0],
      ['deploy', 'target'],
      ['deploy', 'linode', 'image'],
      ['deploy', 'linode', 'tags'],
      ['deploy', 'linode', 'container', 'internal_port'],
      ['deploy', 'linode', 'container', 'command'],
      ['deploy', 'linode', 'container', 'env'],
      ['deploy', 'linode', 'container', 'health', 'type'],
      ['deploy', 'linode', 'container', 'health', 'success_codes'],
      ['env', 'required', 0, 'name'],
      ['env', 'required', 0, 'secret'],
      ['unknown_field'],
      ['deploy', 'linode', 'container', 'imgae'],
    ];
    const values = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer({ min: -10, max: 70000 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.string({ maxLength: 6 }), fc.integer()), {
        maxKeys: 3,
      }),
      fc.constantFrom('docker', 'native', 'k3s', '1.2.3', 'http', 'exec', 'buildwatch', 'linode', '8h'),
    );
    fc.assert(
      fc.property(fc.constantFrom(...paths), values, (path, value) => {
        const document = structuredClone(base);
        let cursor = document as Record<string | number, unknown>;
        for (const key of path.slice(0, -1)) cursor = cursor[key] as Record<string | number, unknown>;
        cursor[path.at(-1)!] = value;
        expect(walkerAccepts(document)).toBe(validate(document));
      }),
      { numRuns: 400 },
    );
  });
});
