/**
 * The JSON Schema is what editors use, and the CLI checks templates with Ajv's own code for it,
 * generated at build time (src/template/schema-validator.generated.js): these tests keep that
 * code current and identical to Ajv compiling the schema at run time, and hold the wording of
 * its errors (src/template/schema-errors.ts) to one diagnostic per problem.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import schema from '../../schema/template.schema.json';
// @ts-expect-error: a build script in plain JavaScript, without types.
import { templateAjv } from '../../scripts/gen-validators.mjs';
import { checkTemplateSchema } from '../../src/template/schema-errors.js';
import { validate as generated } from '../../src/template/schema-validator.generated.js';
import { repoRoot } from '../support/cli.js';
import { BASE_TEMPLATE } from './helpers.js';

interface Compiled {
  (data: unknown): boolean;
  errors?: unknown[] | null;
}

function ajvValidator(): Compiled {
  return templateAjv().compile(schema);
}

const base = () => parse(BASE_TEMPLATE) as Record<string, unknown>;

/** The base template with one value replaced (by a path of keys and indexes). */
function withValue(path: readonly (string | number)[], value: unknown): Record<string, unknown> {
  const document = base();
  let cursor = document as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) cursor = cursor[key] as Record<string | number, unknown>;
  cursor[path.at(-1)!] = value;
  return document;
}

const PATHS: (readonly (string | number)[])[] = [
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

const VALUES = fc.oneof(
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

describe('template.schema.json', () => {
  test('compiles under Ajv strict mode', () => {
    expect(() => ajvValidator()).not.toThrow();
  });

  test('the generated validator is current (regenerate: node scripts/gen-validators.mjs)', () => {
    const check = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'scripts/gen-validators.mjs'), '--check'],
      {
        encoding: 'utf8',
      },
    );
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
  });

  test('bundled-style template: accepted, no diagnostics', () => {
    expect(ajvValidator()(base())).toBe(true);
    expect(checkTemplateSchema(base())).toEqual([]);
  });

  test('the generated code is Ajv: same verdict and errors on random mutations, and a diagnostic for each failure', () => {
    const compiled = ajvValidator();
    fc.assert(
      fc.property(fc.constantFrom(...PATHS), VALUES, (path, value) => {
        const document = withValue(path, value);
        const verdict = compiled(document);
        expect(generated(document)).toBe(verdict);
        expect(generated.errors ?? null).toEqual(compiled.errors ?? null);
        const diagnostics = checkTemplateSchema(document);
        expect(diagnostics.length === 0).toBe(verdict);
        for (const diagnostic of diagnostics) {
          expect(diagnostic.message).not.toMatch(/undefined|NaN|\[object/);
          expect(diagnostic.hint ?? '').not.toMatch(/undefined/);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('schema errors in the CLI wording', () => {
  const messages = (document: unknown) => checkTemplateSchema(document).map((d) => `${d.path}: ${d.message}`);

  test('an alternative is chosen by type: only its errors, or which types would do', () => {
    expect(messages(withValue(['capabilities', 'features', 0], 5))).toEqual([
      'capabilities.features[0]: capabilities.features[0] must be a string or a mapping, not the number 5',
    ]);
    expect(messages(withValue(['capabilities', 'features', 0], { config: {} }))).toEqual([
      "capabilities.features[0].name: capabilities.features[0] is missing the required field 'name'",
    ]);
    expect(messages(withValue(['capabilities', 'features', 0], ''))).toEqual([
      'capabilities.features[0]: capabilities.features[0] must not be empty',
    ]);
    expect(messages(withValue(['deploy', 'linode', 'container', 'command'], ['serve', 3]))).toEqual([
      'deploy.linode.container.command[1]: deploy.linode.container.command[1] must be a string, not the number 3',
    ]);
  });

  test('a required field left empty (null in YAML) is missing, with the schema hint', () => {
    const [diagnostic] = checkTemplateSchema(withValue(['name'], null));
    expect(diagnostic).toMatchObject({
      path: 'name',
      message: "the template is missing the required field 'name'",
    });
    expect(diagnostic?.hint).toMatch(/lowercase/);
    expect(checkTemplateSchema({ ...base(), name: undefined })).toEqual([
      expect.objectContaining({ path: 'name', message: "the template is missing the required field 'name'" }),
    ]);
  });

  test('one error per value: a wrong type hides its enum and pattern errors', () => {
    expect(messages(withValue(['capabilities', 'runtime'], 5))).toEqual([
      'capabilities.runtime: capabilities.runtime must be a string, not the number 5',
    ]);
    expect(messages(withValue(['deploy', 'target'], 'linod'))).toEqual([
      'deploy.target: deploy.target must be one of linode; got "linod" (did you mean \'linode\'?)',
    ]);
  });

  test('env names are checked as names, and unknown keys get a suggestion and the known ones', () => {
    const env = checkTemplateSchema(withValue(['deploy', 'linode', 'container', 'env'], { '1BAD': 'x' }));
    expect(env).toEqual([
      expect.objectContaining({
        path: 'deploy.linode.container.env.1BAD',
        message: "'1BAD' is not a valid name in deploy.linode.container.env",
        hint: expect.stringMatching(/not starting with a digit/),
      }),
    ]);
    const [unknown] = checkTemplateSchema(withValue(['deploy', 'linode', 'container', 'imgae'], 'x'));
    expect(unknown?.message).toBe("unknown field 'imgae' in deploy.linode.container (did you mean 'image'?)");
    expect(unknown?.hint).toMatch(/^Remove it, or use one of: .*image/);
  });

  test('ranges name both ends', () => {
    expect(messages(withValue(['deploy', 'linode', 'container', 'internal_port'], 0))).toEqual([
      'deploy.linode.container.internal_port: deploy.linode.container.internal_port is 0; it must be from 1 to 65535',
    ]);
  });
});
