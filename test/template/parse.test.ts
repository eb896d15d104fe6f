import { describe, expect, test } from 'vitest';
import { formatDiagnostics } from '../../src/template/diagnostics.js';
import { MAX_ALIAS_COUNT, MAX_TEMPLATE_BYTES, parseTemplateText } from '../../src/template/parse.js';
import { errorsOf, validateText } from './helpers.js';

describe('parseTemplateText', () => {
  test('records the position of every key and value', () => {
    const { positions, diagnostics } = parseTemplateText(
      'a:\n  b: 1\n  list:\n    - x\n    - y: 2\n',
      'f.yml',
    );
    expect(diagnostics).toEqual([]);
    expect(positions.get('a.b')).toEqual({ key: { line: 2, column: 3 }, value: { line: 2, column: 6 } });
    expect(positions.get('a.list[1].y')?.value).toEqual({ line: 5, column: 10 });
    expect(positions.get('a.list[0]')?.value).toEqual({ line: 4, column: 7 });
  });

  test('a syntax error points at its line', () => {
    const text = 'name: x\nversion: 1.0.0\ndeploy:\n  linode: [unclosed\n  other: 1\n';
    const { value, diagnostics } = parseTemplateText(text, 'bad.yml');
    expect(value).toBeUndefined();
    expect(diagnostics[0]).toMatchObject({ severity: 'error', file: 'bad.yml' });
    expect(diagnostics[0]!.line).toBeGreaterThanOrEqual(4);
    expect(diagnostics[0]!.message).toMatch(/^YAML syntax error/);
  });

  test('a tab in the indentation is a syntax error with a hint', () => {
    const { diagnostics } = parseTemplateText('a:\n\tb: 1\n', 'tab.yml');
    expect(diagnostics[0]?.line).toBe(2);
    expect(formatDiagnostics(diagnostics)).toMatch(/^tab\.yml:2:\d+: error: YAML syntax error/);
  });

  test('duplicate keys are an error at the second key', () => {
    const { diagnostics } = parseTemplateText('name: a\nversion: 1.0.0\nname: b\n', 'dup.yml');
    expect(diagnostics[0]).toMatchObject({ line: 3, hint: expect.stringMatching(/same key/) });
  });

  test('an alias bomb is refused instead of expanded', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(',')}]`);
    }
    const { value, diagnostics } = parseTemplateText(`${levels.join('\n')}\n`, 'bomb.yml');
    expect(value).toBeUndefined();
    expect(diagnostics[0]?.message).toMatch(/aliases expand too much/);
    expect(diagnostics[0]?.hint).toContain(String(MAX_ALIAS_COUNT));
  });

  test('a few aliases are fine', () => {
    const { value, diagnostics } = parseTemplateText('base: &b {x: 1}\ncopy: *b\n', 'ok.yml');
    expect(diagnostics).toEqual([]);
    expect(value).toEqual({ base: { x: 1 }, copy: { x: 1 } });
  });

  test('a huge document is refused before parsing', () => {
    const { value, diagnostics } = parseTemplateText(`a: "${'x'.repeat(MAX_TEMPLATE_BYTES)}"\n`, 'big.yml');
    expect(value).toBeUndefined();
    expect(diagnostics[0]?.message).toMatch(/limited to 1048576 bytes/);
  });

  test('an empty file is reported as not a mapping', () => {
    const [error] = errorsOf(validateText('').diagnostics);
    expect(error?.message).toMatch(/must be a YAML mapping, but this file is empty/);
  });
});

describe('formatDiagnostics', () => {
  test('prints file:line:column, severity, field, message and fix', () => {
    const text = formatDiagnostics([
      {
        severity: 'error',
        path: 'version',
        message: 'bad',
        hint: 'do this',
        file: 't.yml',
        line: 3,
        column: 10,
      },
      { severity: 'warning', path: '', message: 'meh', file: 't.yml' },
    ]);
    expect(text).toBe('t.yml:3:10: error: bad (version)\n    fix: do this\nt.yml: warning: meh');
  });
});
