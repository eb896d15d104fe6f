/**
 * One grammar and one rule for lifetimes (`--ttl`, a template's `lifetime:`): the parser, the
 * JSON Schema's pattern and the template rules agree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import templateSchema from '../../schema/template.schema.json';
import { CliError, UsageError } from '../../src/errors.js';
import {
  checkLifetime,
  DURATION_PATTERN,
  MAX_LIFETIME_MS,
  MIN_LIFETIME_MS,
  parseLifetime,
} from '../../src/util/duration.js';

const minute = 60_000;

describe('lifetimes', () => {
  it('reads m, h, d, w and combinations', () => {
    expect(parseLifetime('10m', '--ttl')).toBe(10 * minute);
    expect(parseLifetime('8h', '--ttl')).toBe(8 * 60 * minute);
    expect(parseLifetime('2d', 'lifetime')).toBe(2 * 1440 * minute);
    expect(parseLifetime('1w', 'lifetime')).toBe(7 * 1440 * minute);
    expect(parseLifetime('1h30m', '--ttl')).toBe(90 * minute);
    expect(parseLifetime(' 8h ', '--ttl')).toBe(8 * 60 * minute);
  });

  it('refuses seconds, too short, too long, negative and malformed values, saying which', () => {
    const cases: [string, string][] = [
      ['1s', "--ttl '1s' is in seconds; the shortest lifetime is 10m."],
      ['30s', "--ttl '30s' is in seconds; the shortest lifetime is 10m."],
      ['9m', "--ttl '9m' is shorter than the minimum, 10m."],
      ['0h', "--ttl '0h' is shorter than the minimum, 10m."],
      ['366d', "--ttl '366d' is longer than the maximum, 365d."],
      ['99999999999999999999w', "--ttl '99999999999999999999w' is longer than the maximum, 365d."],
      ['-1h', "--ttl '-1h' cannot be negative."],
      ['5x', "--ttl '5x' is not a duration like 30m, 8h, 2d or 1w."],
      ['8 hours', "--ttl '8 hours' is not a duration like 30m, 8h, 2d or 1w."],
      ['1h 30m', "--ttl '1h 30m' is not a duration like 30m, 8h, 2d or 1w."],
      ['8H', "--ttl '8H' is not a duration like 30m, 8h, 2d or 1w."],
      ['', "--ttl '' is not a duration like 30m, 8h, 2d or 1w."],
    ];
    for (const [text, message] of cases) {
      expect(() => parseLifetime(text, '--ttl'), text).toThrow(message);
    }
    // The flag is a usage error (exit 2); the template's field a failure (exit 1).
    expect(() => parseLifetime('5x', '--ttl')).toThrow(UsageError);
    let error: unknown;
    try {
      parseLifetime('5m', 'lifetime');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CliError);
    expect(error).not.toBeInstanceOf(UsageError);
    expect((error as CliError).message).toBe("lifetime '5m' is shorter than the minimum, 10m.");
  });

  it('is the pattern the template schema uses', () => {
    const properties = (templateSchema as { properties: Record<string, { pattern?: string }> }).properties;
    expect(properties.lifetime?.pattern).toBe(DURATION_PATTERN);
  });

  it('accepts exactly what the grammar accepts, within the limits', () => {
    const grammar = new RegExp(DURATION_PATTERN);
    const piece = fc.tuple(
      fc.integer({ min: 0, max: 600 }),
      fc.constantFrom('m', 'h', 'd', 'w', 's', 'x', ''),
    );
    const text = fc.oneof(
      fc
        .array(piece, { minLength: 1, maxLength: 3 })
        .map((parts) => parts.map(([n, u]) => `${n}${u}`).join('')),
      fc.string({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(text, (value) => {
        const checked = checkLifetime(value);
        if ('ms' in checked) {
          expect(grammar.test(value.trim())).toBe(true);
          expect(checked.ms).toBeGreaterThanOrEqual(MIN_LIFETIME_MS);
          expect(checked.ms).toBeLessThanOrEqual(MAX_LIFETIME_MS);
        } else if (grammar.test(value.trim())) {
          expect(checked.problem).toMatch(/minimum|maximum/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
