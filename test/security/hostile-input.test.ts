/**
 * Hostile template input through the built CLI: a YAML alias bomb ("billion laughs"), a 10 MB
 * string, 10,000 levels of nesting (flow sequences and flow maps), a 10 MB `.env` value. Each is
 * refused with a clear message (what is wrong, then how to fix it), exit 1, no stack trace, in
 * `templates validate`, `plan --template` and `plan` on a project's deploy.yml — and promptly
 * (the bound below is generous for a loaded CI machine; the point is "no hang, no blow-up").
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli, tempHome } from '../support/cli.js';

const PROMPT_MS = 30_000;
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

let work: string;
const home = tempHome();

function hostileTemplate(name: string, body: string): string {
  const directory = path.join(work, name);
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, 'template.yml'), `name: ${name}\n${body}`);
  return directory;
}

function aliasBomb(): string {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let level = 1; level < 10; level++)
    lines.push(
      `a${level}: &a${level} [${Array(9)
        .fill(`*a${level - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}

const cases: Record<string, { body: () => string; reason: RegExp }> = {
  'alias-bomb': { body: aliasBomb, reason: /alias/i },
  'huge-string': {
    body: () => `description: "${'x'.repeat(10_000_000)}"\n`,
    reason: /limited to|too large|bytes/i,
  },
  'deep-sequence': {
    body: () => `x: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
    reason: /nested 10000 levels deep; templates allow at most 64/,
  },
  'deep-map': {
    body: () => `x: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n`,
    reason: /nested 10000 levels deep; templates allow at most 64/,
  },
};

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'lb-hostile-'));
  for (const [name, { body }] of Object.entries(cases)) hostileTemplate(name, body());
});

async function timed(args: string[], cwd = work): Promise<CliResult & { ms: number }> {
  const started = Date.now();
  const result = await runCli(args, { cwd, env: home.env, timeoutMs: 120_000 });
  return { ...result, ms: Date.now() - started };
}

function expectClearRefusal(result: CliResult & { ms: number }, reason: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  const text = result.stdout + result.stderr;
  expect(text).toMatch(/error: .+/);
  expect(text).toMatch(/fix: .+|Hint: .+/);
  expect(text).toMatch(reason);
  expect(text).not.toMatch(STACK_FRAME);
  // One diagnostic, not a dump of the input.
  expect(text.length).toBeLessThan(4000);
  expect(result.ms).toBeLessThan(PROMPT_MS);
}

describe.each(Object.entries(cases))('hostile template: %s', (name, { reason }) => {
  it('is refused by templates validate', { timeout: 150_000 }, async () => {
    expectClearRefusal(await timed(['templates', 'validate', path.join(work, name)]), reason);
  });

  it('is refused by plan --template', { timeout: 150_000 }, async () => {
    const result = await timed(['plan', '--template', path.join(work, name)]);
    expectClearRefusal(result, reason);
    expect(result.stderr).toMatch(/^Error: .+/m);
    expect(result.stderr).toMatch(/^Hint: .+/m);
  });

  it('is refused as a project deploy.yml', { timeout: 150_000 }, async () => {
    const project = path.join(work, `project-${name}`);
    mkdirSync(project, { recursive: true });
    writeFileSync(path.join(project, 'deploy.yml'), readFileSync(path.join(work, name, 'template.yml')));
    writeFileSync(path.join(project, '.env'), '');
    expectClearRefusal(await timed(['plan'], project), reason);
  });
});

describe('hostile .env value', () => {
  it('a 10 MB value is refused by plan with its name, never its value', { timeout: 150_000 }, async () => {
    const project = path.join(work, 'huge-env');
    const init = await runCli(['init', 'llm-api', '--directory', project], { cwd: work, env: home.env });
    expect(init.code, init.stderr).toBe(0);
    const value = `canary${'y'.repeat(10_000_000)}`;
    writeFileSync(path.join(project, '.env'), `HF_TOKEN=${value}\n`, { mode: 0o600 });
    const result = await timed(['plan'], project);
    expect(result.code, result.stderr.slice(0, 2000)).toBe(1);
    expect(result.stderr).toMatch(/^Error: .+/m);
    expect(result.stderr).toMatch(/^Hint: .+/m);
    expect(result.stdout + result.stderr).not.toContain('canaryyyy');
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.ms).toBeLessThan(PROMPT_MS);
  });
});
