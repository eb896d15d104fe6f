import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandArgv, splitCommand } from '../../src/env/command.js';
import { parseDotenv } from '../../src/env/dotenv.js';
import { renderEnvFile } from '../../src/env/envfile.js';
import { expandString } from '../../src/env/expand.js';
import { resolveEnv } from '../../src/env/resolve.js';
import { shellJoin } from '../../src/quote/index.js';
import { makeTemplate } from '../plan/fixtures.js';
import { nastyString } from '../quote/arbitraries.js';
import { parseDockerEnvFile } from './docker-envfile.js';

const D = '$';
const vars: Record<string, string> = { A: 'alpha', EMPTY: '', SPACED: 'one two', N: '4096' };
const lookup = (name: string) => vars[name];
const x = (text: string) => expandString(text, lookup, 'test');

describe('expansion', () => {
  it('supports VAR, VAR:-default, VAR:+alt expansions, nesting and $$', () => {
    expect(x(`${D}{A}`)).toBe('alpha');
    expect(x(`${D}{MISSING}`)).toBe('');
    expect(x(`${D}{MISSING:-dflt}`)).toBe('dflt');
    expect(x(`${D}{EMPTY:-dflt}`)).toBe('dflt');
    expect(x(`${D}{A:-dflt}`)).toBe('alpha');
    expect(x(`${D}{A:+set}`)).toBe('set');
    expect(x(`${D}{EMPTY:+set}`)).toBe('');
    expect(x(`${D}{N:+--max ${D}{N}}`)).toBe('--max 4096');
    expect(x(`${D}{MISSING:-${D}{A:-z}-x}`)).toBe('alpha-x');
    expect(x('price $$5 and $HOME and $(id) and `id`')).toBe('price $5 and $HOME and $(id) and `id`');
  });

  it('reports malformed expansions with the field name', () => {
    expect(() => x(`${D}{A`)).toThrow(/test: .*not closed/);
    expect(() => x(`${D}{1A}`)).toThrow(/variable name/);
    expect(() => x(`${D}{A?err}`)).toThrow(/unsupported/);
  });

  it('never reads the process environment', () => {
    process.env.LB_TEST_PROCESS_ONLY = 'leak';
    expect(x(`${D}{LB_TEST_PROCESS_ONLY:-none}`)).toBe('none');
    delete process.env.LB_TEST_PROCESS_ONLY;
  });
});

describe('command splitting', () => {
  it('splits like a shell, with expansions field-split only when unquoted', () => {
    const split = (text: string) => splitCommand(text, lookup, 'cmd');
    expect(split(`--model ${D}{A} ${D}{N:+--max-model-len ${D}{N}}`)).toEqual([
      '--model',
      'alpha',
      '--max-model-len',
      '4096',
    ]);
    expect(split(`--x ${D}{MISSING:+--y ${D}{MISSING}} end`)).toEqual(['--x', 'end']);
    expect(split(`"${D}{SPACED}" ${D}{SPACED}`)).toEqual(['one two', 'one', 'two']);
    expect(split(`'${D}{A}' "a\\"b" c\\ d ""`)).toEqual([`${D}{A}`, 'a"b', 'c d', '']);
    expect(split('a#b 100% x=y')).toEqual(['a#b', '100%', 'x=y']);
    expect(split('line1 \\\nline2')).toEqual(['line1', 'line2']);
  });

  it('refuses what a shell would execute or reinterpret', () => {
    const split = (text: string) => () => splitCommand(text, lookup, 'deploy.linode.container.command');
    expect(split('echo $(id)')).toThrow(/command substitution/);
    expect(split('echo `id`')).toThrow(/command substitution/);
    expect(split('echo "`id`"')).toThrow(/command substitution/);
    expect(split('a && b')).toThrow(/operator "&"/);
    expect(split('a > f')).toThrow(/operator ">"/);
    expect(split('echo $HOME')).toThrow(/without braces/);
    expect(split("echo 'open")).toThrow(/unterminated single quote/);
    expect(split('echo "open')).toThrow(/unterminated double quote/);
    expect(split("'$(id)' \"\\$(id)\" '`x`'")()).toEqual(['$(id)', '$(id)', '`x`']);
  });

  it('keeps list-form items whole and expands them', () => {
    expect(commandArgv(['a b', `${D}{A}`, '$(id)'], lookup, 'cmd')).toEqual(['a b', 'alpha', '$(id)']);
    expect(commandArgv(undefined, lookup, 'cmd')).toEqual([]);
  });

  it('round-trips argv quoted by shellJoin (property)', () => {
    fc.assert(
      fc.property(fc.array(nastyString, { minLength: 1, maxLength: 6 }), (argv) => {
        expect(splitCommand(shellJoin(argv), () => undefined, 'cmd')).toEqual(argv);
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with bash on quoting and word splitting (differential)', () => {
    const command = fc.string({
      unit: fc.constantFrom('a', 'b', ' ', '\t', "'", '"', '\\', 'é'),
      maxLength: 14,
    });
    const samples = fc.sample(command, 300);
    for (const text of samples) {
      const bash = spawnSync('bash', ['-c', `printf '%s\\0' ${text}`], { encoding: 'utf8' });
      let ours: string[] | Error;
      try {
        ours = splitCommand(text, () => undefined, 'cmd');
      } catch (error) {
        ours = error as Error;
      }
      if (bash.status !== 0) {
        expect(ours, text).toBeInstanceOf(Error);
        continue;
      }
      const words = bash.stdout.split('\0').slice(0, -1);
      // printf with no words still prints one empty string.
      const expected = words.length === 1 && words[0] === '' && !/['"]/.test(text) ? [] : words;
      expect(ours, JSON.stringify(text)).toEqual(expected);
    }
  });
});

describe('resolveEnv', () => {
  const template = makeTemplate({
    env: {
      required: [
        { name: 'HF_TOKEN', description: '', secret: true },
        { name: 'API_KEY', description: '', secret: true },
      ],
      optional: [{ name: 'MODEL', description: '', secret: false }],
    },
    containerEnv: {
      HUGGING_FACE_HUB_TOKEN: `${D}{HF_TOKEN}`,
      MODEL: 'default-model',
      LEVEL: `${D}{LEVEL:-info}`,
    },
  });
  const builtins = { BUILD_APP: 'app', BUILD_ENV: 'prod', BUILD_DEPLOYMENT_ID: 'abcd1234' };

  it('lists every missing required variable at once; empty counts as missing', () => {
    expect(() => resolveEnv({ template, dotenv: { HF_TOKEN: '' }, capabilityEnv: {}, builtins })).toThrow(
      'Missing required environment variables: HF_TOKEN, API_KEY',
    );
  });

  it('ships template env, declared .env values and builtins, never undeclared .env keys', () => {
    const result = resolveEnv({
      template,
      dotenv: { HF_TOKEN: 'hf_secret', API_KEY: 'k=v #x', MODEL: 'mine', UNDECLARED: 'nope' },
      capabilityEnv: { LEVEL: 'debug', FROM_CAP: 'cap' },
      builtins,
    });
    expect(result.values).toEqual({
      API_KEY: 'k=v #x',
      BUILD_APP: 'app',
      BUILD_DEPLOYMENT_ID: 'abcd1234',
      BUILD_ENV: 'prod',
      FROM_CAP: 'cap',
      HF_TOKEN: 'hf_secret',
      HUGGING_FACE_HUB_TOKEN: 'hf_secret',
      LEVEL: 'info',
      MODEL: 'mine',
    });
    expect(Object.keys(result.values)).toEqual([...Object.keys(result.values)].sort());
    // Values that came from .env (directly or through an expansion) are the secret ones.
    expect(result.fromDotenv).toEqual(['API_KEY', 'HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'MODEL']);
    const messages = result.warnings.map((w) => w.message).join('\n');
    expect(messages).toContain('UNDECLARED is set in .env but the template does not declare it');
    expect(messages).toContain(`${D}{LEVEL}`);
    expect(messages).not.toContain('nope');
  });

  it('refuses multi-line values naming the variable, never printing the value', () => {
    let message = '';
    try {
      resolveEnv({
        template,
        dotenv: { HF_TOKEN: 'canary-line1\ncanary-line2', API_KEY: 'k' },
        capabilityEnv: {},
        builtins,
      });
    } catch (error) {
      message = String(error);
    }
    expect(message).toContain('HF_TOKEN');
    expect(message).toContain('line break');
    expect(message).not.toContain('canary');
  });
});

describe('env file', () => {
  const oneLineValue = nastyString.filter((value) => !/[\r\n]/.test(value));

  it('reaches the container byte-exact as docker reads it (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/), oneLineValue),
        (values) => {
          const parsed = parseDockerEnvFile(renderEnvFile(values));
          expect(Object.fromEntries(parsed)).toEqual(values);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('rejects values docker cannot carry', () => {
    expect(() => renderEnvFile({ A: 'x\ry' })).toThrow(/A contains a line break/);
    expect(() => renderEnvFile({ A: 'x\0y' })).toThrow(/NUL/);
    expect(() => renderEnvFile({ A: '\uD800' })).toThrow(/invalid Unicode/);
    expect(() => renderEnvFile({ 'BAD-NAME': 'x' })).toThrow(/Invalid environment variable name/);
  });

  it('parses .env files with dotenv (quotes, comments, multi-line double quotes)', () => {
    const parsed = parseDotenv('A=1\n# c\nB="two words" # note\nC=\'$(id)\'\nD="l1\nl2"\n');
    expect(parsed).toEqual({ A: '1', B: 'two words', C: '$(id)', D: 'l1\nl2' });
  });

  // The rules docs/plan.md § Env rules states, one assertion each.
  it('reads \\n and \\r as line breaks inside double quotes only, and nothing else as an escape', () => {
    expect(parseDotenv('A="x\\ny"\nB=\'x\\ny\'\nC=x\\ny\n')).toEqual({ A: 'x\ny', B: 'x\\ny', C: 'x\\ny' });
    // \" inside double quotes does not end the value, and keeps its backslash.
    expect(parseDotenv('A="a\\"b"\n')).toEqual({ A: 'a\\"b' });
    expect(parseDotenv("A='a\"b'\n")).toEqual({ A: 'a"b' });
  });

  it('refuses a quote that is never closed, naming the variable and line, never the value', () => {
    for (const [text, quote, line] of [
      ['A=1\nTOKEN="hf_secret_value\nB=2\n', '"', 2],
      ["TOKEN='hf_secret_value\n", "'", 1],
      ['export TOKEN=`hf_secret_value\n', '`', 1],
    ] as const) {
      let message = '';
      try {
        parseDotenv(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toBe(
        `the .env value of TOKEN opens a ${quote} quote on line ${line} that is never closed.`,
      );
      expect(message).not.toContain('hf_secret_value');
    }
    // A quote of another kind inside a closed one is just a character.
    expect(parseDotenv('A=\'"x\'\nB="\'y"\nC=x"y\n')).toEqual({ A: '"x', B: "'y", C: 'x"y' });
  });
});
