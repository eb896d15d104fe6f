/**
 * The quoting module checked against the real consumers: bash and dash read back every
 * shell-quoted string exactly; systemd accepts every escaped Environment=/Exec value (checked
 * with systemd-analyze) and a parser following systemd's unquoting rules reads it back; YAML
 * emitted for cloud-init keeps modes and YAML 1.1 booleans as strings.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  fishQuote,
  shellJoin,
  shellQuote,
  systemdEnvironment,
  systemdExecArg,
  systemdExecLine,
  systemdPlainValue,
  systemdUnitFile,
  systemdUnitList,
  yamlDocument,
} from '../../src/quote/index.js';
import { toolsAvailable } from '../support/tools.js';
import { multiLineString, nastyString } from './arbitraries.js';

/** Runs `shell -c 'printf "%s\0" ARGS'` and returns what the shell passed to printf. */
function echoThroughShell(shell: string, quotedArgs: string): string[] {
  const result = spawnSync(shell, ['-c', `printf '%s\\0' ${quotedArgs}`], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  it('leaves plain words alone and quotes everything else', () => {
    expect(shellQuote('docker')).toBe('docker');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });

  for (const shell of ['bash', 'sh']) {
    it(`round-trips arbitrary strings through ${shell}`, () => {
      const samples = fc.sample(fc.array(nastyString, { minLength: 1, maxLength: 6 }), 150);
      // One shell process per batch of argv arrays keeps this fast.
      const flat = samples.flat();
      expect(echoThroughShell(shell, shellJoin(flat))).toEqual(flat);
    });
  }

  it('keeps each argv element one word (property, bash)', () => {
    fc.assert(
      fc.property(fc.array(nastyString, { minLength: 1, maxLength: 5 }), (argv) => {
        const back = echoThroughShell('bash', shellJoin(argv));
        expect(back).toEqual(argv);
      }),
      { numRuns: 40 },
    );
  });
});

/**
 * systemd's unquoting of one word (extract_first_word with UNQUOTE|CUNESCAPE), then `%%` and
 * (for Exec lines) `$$` collapsing, as far as our escaper's output uses them.
 */
function systemdUnquote(text: string, exec: boolean): string[] {
  const words: string[] = [];
  let index = 0;
  while (index < text.length) {
    while (text[index] === ' ') index += 1;
    if (index >= text.length) break;
    let word = '';
    if (text[index] !== '"') throw new Error(`expected a quoted word at ${index}`);
    index += 1;
    while (text[index] !== '"') {
      const char = text[index];
      if (char === undefined) throw new Error('unterminated quote');
      if (char === '\\') {
        const next = text[index + 1]!;
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"' };
        if (next in simple) {
          word += simple[next];
          index += 2;
        } else if (next === 'x') {
          word += String.fromCharCode(Number.parseInt(text.slice(index + 2, index + 4), 16));
          index += 4;
        } else throw new Error(`unknown escape \\${next}`);
      } else if (char === '%') {
        if (text[index + 1] !== '%') throw new Error('lone % would be a specifier');
        word += '%';
        index += 2;
      } else if (exec && char === '$') {
        if (text[index + 1] !== '$') throw new Error('lone $ would be a variable');
        word += '$';
        index += 2;
      } else {
        word += char;
        index += 1;
      }
    }
    index += 1;
    words.push(word);
  }
  return words;
}

/** Unicode noncharacters, which systemd refuses in any setting (systemdEnvironment throws). */
const NONCHARACTERS = ['\uFDD0', '\uFDEF', '\uFFFE', '\uFFFF', '\u{1FFFE}', '\u{10FFFF}'];
const hasNoncharacter = (s: string) =>
  Array.from(s).some((c) => {
    const code = c.codePointAt(0)!;
    return (code >= 0xfdd0 && code <= 0xfdef) || (code & 0xfffe) === 0xfffe;
  });
const systemdValue = nastyString.filter((s) => s !== ';' && !hasNoncharacter(s));

describe('fishQuote', () => {
  // fish's single-quote rules (fish-shell docs, "Quotes"): inside '…', \' is a quote and \\ a
  // backslash; every other character, a lone backslash included, is literal.
  function fishUnquote(quoted: string): string {
    expect(quoted.startsWith("'") && quoted.endsWith("'")).toBe(true);
    const body = quoted.slice(1, -1);
    let text = '';
    for (let i = 0; i < body.length; i++) {
      if (body[i] === '\\' && (body[i + 1] === "'" || body[i + 1] === '\\')) text += body[++i];
      else if (body[i] === "'") throw new Error(`unescaped quote in ${quoted}`);
      else text += body[i];
    }
    return text;
  }

  it('reads back exactly (property)', () => {
    fc.assert(
      fc.property(nastyString, (value) => {
        if (value.includes('\0')) return;
        expect(fishUnquote(fishQuote(value))).toBe(value);
      }),
    );
    expect(fishQuote("it's a \\ (x)")).toBe("'it\\'s a \\\\ (x)'");
  });
});

describe('systemd escaping', () => {
  it('round-trips Exec arguments and Environment values through systemd unquoting', () => {
    fc.assert(
      fc.property(fc.array(systemdValue, { minLength: 1, maxLength: 4 }), systemdValue, (args, value) => {
        const line = systemdExecLine(['/usr/bin/env', ...args]);
        expect(systemdUnquote(line, true)).toEqual(['/usr/bin/env', ...args]);
        const assignment = systemdEnvironment('VALUE', value).slice('Environment='.length);
        expect(systemdUnquote(assignment, false)).toEqual([`VALUE=${value}`]);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses what it cannot express', () => {
    expect(() => systemdExecArg(';')).toThrow();
    expect(() => systemdExecLine(['relative'])).toThrow(/absolute/);
    expect(() => systemdEnvironment('1BAD', 'x')).toThrow(/name/);
    expect(systemdPlainValue('a\nb % c')).toBe('a b %% c');
    expect(systemdPlainValue('ends in \\\\ ')).toBe('ends in');
    expect(() => systemdUnitList(['docker.service', 'x y.service'])).toThrow(/unit name/);
    const unit = (key: string, value: string) => () =>
      systemdUnitFile([{ name: 'Unit', directives: [[key, value]] }]);
    expect(unit('Description', 'a\nExecStart=/bin/id')).toThrow(/line break/);
    expect(unit('Description', 'continues \\')).toThrow(/backslash/);
    expect(unit('Bad Key', 'x')).toThrow(/setting/);
    expect(unit('Description', 'fine')()).toBe('[Unit]\nDescription=fine\n');
    for (const char of NONCHARACTERS) {
      expect(() => systemdEnvironment('V', `a${char}b`)).toThrow(/noncharacter/);
      expect(() => systemdExecArg(`a${char}b`)).toThrow(/noncharacter/);
      expect(systemdPlainValue(`a${char}b`)).toBe('a\uFFFDb');
    }
  });

  it.runIf(toolsAvailable('systemd-analyze'))(
    'produces units systemd-analyze accepts without complaint',
    () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-quote-'));
      const values = fc.sample(systemdValue, 200);
      const unit = [
        '[Unit]',
        `Description=${systemdPlainValue(`${NONCHARACTERS.join('')} ${values.join(' ').slice(0, 200)}`)}`,
        '',
        '[Service]',
        'Type=oneshot',
        ...values.map((value, i) => systemdEnvironment(`V${i}`, value)),
        `ExecStart=${systemdExecLine(['/bin/true', ...values.slice(0, 50)])}`,
        '',
      ].join('\n');
      const file = path.join(dir, 'quote-check.service');
      writeFileSync(file, unit);
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
      expect(`${result.stdout}${result.stderr}`).toBe('');
      expect(result.status).toBe(0);
    },
  );
});

describe('yamlDocument', () => {
  it('quotes YAML 1.1 look-alikes so cloud-init keeps them as strings', () => {
    const lookAlikes = {
      permissions: '0644',
      flag: 'yes',
      off: 'off',
      number: '1_000',
      time: '1:20',
      path: '/a',
    };
    const text = yamlDocument(lookAlikes);
    expect(text).toContain("permissions: '0644'");
    expect(text).toContain("flag: 'yes'");
    expect(text).toContain('path: /a');
    expect(parse(text, { version: '1.1' })).toEqual(lookAlikes);
  });

  it('writes multi-line text as literal blocks with the right indicators', () => {
    const text = yamlDocument({ a: 'x\ny\n', b: ' lead\nz', c: 'end\n\n\n', d: [['-', 'x']] });
    expect(text).toBe("a: |\n  x\n  y\nb: |2-\n   lead\n  z\nc: |+\n  end\n\n\nd:\n  - - '-'\n    - x\n");
  });

  it('keeps a literal block only for characters PyYAML reads raw in one', () => {
    for (const char of [
      '\u0001',
      '\u007f',
      '\u0080',
      '\u0085',
      '\u009f',
      '\u2028',
      '\u2029',
      '\ufeff',
      '\ufffe',
      '\r',
      // Allowed raw by YAML, but js-yaml double-quotes text with tabs and no-break spaces
      // (escaped as \t and \_): also fine for PyYAML.
      '\t',
      '\u00a0',
    ]) {
      const text = yamlDocument({ a: `x\nz${char}z\ny\n` });
      expect(text.startsWith('a: "'), JSON.stringify(char)).toBe(true);
      expect(parse(text, { version: '1.1' })).toEqual({ a: `x\nz${char}z\ny\n` });
    }
    for (const char of [
      '~',
      '\u00e9',
      '\ud7ff',
      '\ue000',
      '\ufefe',
      '\uff00',
      '\ufffd',
      '\u{1F600}',
      '\u{10FFFF}',
    ]) {
      const text = yamlDocument({ a: `x\nz${char}z\ny\n` });
      expect(text, JSON.stringify(char)).toBe(`a: |\n  x\n  z${char}z\n  y\n`);
    }
  });

  const tree = fc.dictionary(
    fc.string({ minLength: 1 }).filter((s) => !/[\uD800-\uDFFF]/.test(s)),
    fc.oneof(nastyString, multiLineString, fc.array(nastyString, { maxLength: 3 }), fc.boolean()),
  );

  // The yaml package in its default (YAML 1.2) mode, as this repository's tests read documents.
  // Not in its YAML 1.1 mode: that reads a plain `.` as NaN, where PyYAML, like js-yaml,
  // reads the string '.' (docs/dependencies.md).
  it('round-trips arbitrary trees (yaml package)', () => {
    fc.assert(
      fc.property(tree, (data) => {
        expect(parse(yamlDocument(data))).toEqual(data);
      }),
      { numRuns: 500 },
    );
  });

  it.runIf(toolsAvailable('python3'))(
    'round-trips arbitrary trees through PyYAML (what cloud-init uses)',
    () => {
      const samples = fc.sample(tree, { numRuns: 1000, seed: 7 });
      const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-yaml-'));
      const files = samples.map((data, i) => {
        const file = path.join(dir, `${i}.yaml`);
        writeFileSync(file, `#cloud-config\n${yamlDocument(data)}`);
        return file;
      });
      const python =
        'import json, sys, yaml\nout = [yaml.safe_load(open(f, encoding="utf-8")) for f in sys.argv[1:]]\njson.dump(out, sys.stdout)';
      const result = spawnSync('python3', ['-c', python, ...files], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      expect(result.status, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(samples);
    },
  );

  it('refuses lone surrogates', () => {
    expect(() => yamlDocument({ a: '\uD800' })).toThrow(/surrogate/);
  });
});
