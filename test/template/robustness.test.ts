/** Whatever the input, loading reports problems; it never throws or hangs. */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { capabilityKnowledge } from '../../src/capability/knowledge.js';
import { parseTemplateText } from '../../src/template/parse.js';
import { validateTemplate } from '../../src/template/validate.js';
import { BASE_TEMPLATE, validateText } from './helpers.js';

const options = { file: 'fuzz.yml', ...capabilityKnowledge() };

test('parseTemplateText never throws on arbitrary text', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (text) => {
      const result = parseTemplateText(text, 'fuzz.yml');
      expect(result.value === undefined ? result.diagnostics.length > 0 : true).toBe(true);
    }),
    { numRuns: 500 },
  );
});

test('validateTemplate never throws on arbitrary values', () => {
  fc.assert(
    fc.property(fc.anything(), (value) => {
      const result = validateTemplate(value, options);
      expect(result.template !== undefined || result.diagnostics.some((d) => d.severity === 'error')).toBe(
        true,
      );
    }),
    { numRuns: 300 },
  );
});

test('replacing any field of a valid template with any value never throws, and errors are located', () => {
  const base = parse(BASE_TEMPLATE) as Record<string, unknown>;
  const sections = ['capabilities', 'deploy', 'env', 'setup', 'guidance', 'name', 'version'];
  fc.assert(
    fc.property(fc.constantFrom(...sections), fc.jsonValue(), (section, value) => {
      const document = { ...structuredClone(base), [section]: value };
      const result = validateText(stringify(document));
      for (const diagnostic of result.diagnostics) {
        expect(diagnostic.line).toBeGreaterThan(0);
        expect(diagnostic.message.length).toBeGreaterThan(0);
      }
    }),
    { numRuns: 300 },
  );
});
