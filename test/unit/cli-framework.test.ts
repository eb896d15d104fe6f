import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { commandSpec, defineCommand } from '../../src/cli/framework/command.js';
import { runCli } from '../../src/cli/framework/run.js';
import { closestMatch, didYouMean, editDistance } from '../../src/util/suggest.js';
import { renderTable } from '../../src/util/table.js';

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk;
      done();
    },
  });
  return { stream, text: () => text };
}

const seen: unknown[] = [];
const spec = commandSpec({
  name: 'things list',
  summary: 'List things',
  positionals: [{ name: 'filter', description: 'Filter' }],
  options: {
    json: { type: 'boolean', description: 'JSON' },
    lines: { type: 'number', description: 'How many', default: 10 },
    tag: { type: 'string', description: 'Tag', multiple: true },
    mode: { type: 'string', description: 'Mode', choices: ['a', 'b'] },
  },
  examples: [{ command: 'linode-build things list --json', description: 'as JSON' }],
});
const things = defineCommand(spec, async (args) => {
  seen.push(args);
  return 0;
});

async function run(argv: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await runCli({
    argv,
    commands: [things],
    version: '9.9.9',
    env: { NO_COLOR: '1' },
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdinIsTTY: false,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('cli framework', () => {
  it('parses typed options, defaults and positionals', async () => {
    seen.length = 0;
    const result = await run(['things', 'list', 'abc', '--lines', '3', '--tag', 'x', '--tag', 'y']);
    expect(result.code).toBe(0);
    expect(seen[0]).toEqual({
      options: { json: false, lines: 3, tag: ['x', 'y'], mode: undefined },
      positionals: { filter: 'abc' },
      debug: false,
    });
  });

  it('applies defaults when options are absent', async () => {
    seen.length = 0;
    await run(['things', 'list']);
    expect(seen[0]).toMatchObject({ options: { lines: 10, tag: [] } });
  });

  it('rejects unknown options with exit 2 and a suggestion', async () => {
    const result = await run(['things', 'list', '--jsn']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--jsn'");
    // Suggested the way it must be typed: '--json', not 'json'.
    expect(result.stderr).toContain("(did you mean '--json'?)");
    expect(result.stderr).toContain('Hint:');
  });

  it('takes a value that starts with a dash but names no option; a flag in its place is a missing value', async () => {
    seen.length = 0;
    expect((await run(['things', 'list', '--lines', '-3'])).code).toBe(0);
    expect(seen[0]).toMatchObject({ options: { lines: -3 } });
    const missing = await run(['things', 'list', '--tag', '--json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^Error: option '--tag' needs a value\.\nHint: /);
  });

  it('rejects non-numbers and bad choices', async () => {
    expect((await run(['things', 'list', '--lines', 'many'])).stderr).toContain('--lines must be a number');
    const bad = await run(['things', 'list', '--mode', 'c']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('one of a, b');
  });

  it('suggests a command for a typo and prints help with examples', async () => {
    const typo = await run(['thngs']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("did you mean 'things'");
    const help = await run(['things', 'list', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: linode-build things list [FILTER] [options]');
    expect(help.stdout).toContain('$ linode-build things list --json');
    expect(help.stdout).toContain('default: 10');
  });

  it('refuses an unknown subcommand of a group with a suggestion and exit 2, not the group help', async () => {
    for (const [argv, message] of [
      [['things', 'lst'], "Error: unknown command 'things lst' (did you mean 'things list'?).\n"],
      [['things', 'lsit', '--json'], "Error: unknown command 'things lsit' (did you mean 'things list'?).\n"],
      [['things', 'frobnicate'], "Error: unknown command 'things frobnicate'.\n"],
      [['thing', 'lst'], "Error: unknown command 'thing' (did you mean 'things list'?).\n"],
    ] as const) {
      const result = await run([...argv]);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        new RegExp(`^${message.replace(/[.()?']/g, '\\$&')}Hint: Run 'linode-build `),
      );
    }
  });

  it('prints group help for a command prefix', async () => {
    const result = await run(['things']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('things list');
  });

  it('renders aligned tables without trailing spaces', () => {
    const lines = renderTable(
      [
        { a: 'x', b: '1' },
        { a: 'longer', b: '22' },
      ],
      [
        { header: 'NAME', value: (r) => r.a },
        { header: 'N', value: (r) => r.b, align: 'right' },
      ],
    );
    expect(lines).toEqual(['NAME     N', 'x        1', 'longer  22']);
  });

  it('suggests only plausible typos', () => {
    expect(closestMatch('gpu-nvdia', ['gpu-nvidia', 'redis'])).toBe('gpu-nvidia');
    expect(closestMatch('zzzzzz', ['gpu-nvidia', 'redis'])).toBeUndefined();
  });

  it('counts a swap of neighbouring letters as one edit', () => {
    expect(editDistance('lsit', 'list')).toBe(1);
    expect(editDistance('imgae', 'image')).toBe(1);
    expect(editDistance('abc', 'cba')).toBe(2);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closestMatch('lsit', ['list', 'show'])).toBe('list');
    expect(didYouMean('regoin', ['region', 'type'], (name) => `--${name}`)).toBe(
      " (did you mean '--region'?)",
    );
  });
});
