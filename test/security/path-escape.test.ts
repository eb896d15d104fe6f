/**
 * Template names and install paths cannot leave their directories (the original joined the
 * name into a path: `name: /tmp/x` installed outside, `templates uninstall /some/dir` deleted
 * any directory holding a template.yml). Through the built CLI: names with `..`, `/` or an
 * absolute path are refused by install, uninstall, show and init; uninstall never touches a
 * directory outside the user template directory; install copies only the template's own
 * files (never .env or .git); init never writes outside the directory it was given.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempHome } from '../support/cli.js';

const home = tempHome();
const templatesDir = path.join(home.home, '.config/linode-build/templates');
let work: string;

const run = (args: string[]) => runCli(args, { cwd: work, env: home.env });

/** A valid template directory (a copy of a bundled one) with `name` replaced. */
function templateNamed(directory: string, name: string): string {
  const target = path.join(work, directory);
  cpSync(path.join(repoRoot, 'templates/chat-agent'), target, { recursive: true });
  const file = path.join(target, 'template.yml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^name: .*$/m, `name: ${JSON.stringify(name)}`));
  return target;
}

function expectClearFailure(result: { code: number; stderr: string }): void {
  expect(result.code, result.stderr).toBeGreaterThan(0);
  expect(result.stderr).toMatch(/^Error: .+/m);
  expect(result.stderr).toMatch(/^Hint: .+/m);
  expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'lb-escape-'));
});

describe('template names that would escape', () => {
  const outside = () => path.join(work, 'abs-target');
  const names = () => ['../escape', '../../etc', outside(), 'a/b', '..', '.', 'name\u0000x', '~root'];

  it('are refused by templates install, and nothing is written outside the template directory', {
    timeout: 120_000,
  }, async () => {
    for (const [index, name] of names().entries()) {
      const source = templateNamed(`hostile-${index}`, name);
      const result = await run(['templates', 'install', source]);
      expectClearFailure(result);
    }
    expect(existsSync(outside())).toBe(false);
    expect(existsSync(path.join(home.home, '.config/linode-build/escape'))).toBe(false);
    expect(
      existsSync(templatesDir) ? readdirSync(templatesDir).filter((n) => !n.startsWith('.')) : [],
    ).toEqual([]);
  });

  it('are refused by templates uninstall, which never deletes a directory outside its own', {
    timeout: 120_000,
  }, async () => {
    const victim = templateNamed('victim', 'victim');
    for (const target of [victim, '../victim', `../../..${victim}`, '..', '/']) {
      expectClearFailure(await run(['templates', 'uninstall', target]));
    }
    expect(existsSync(path.join(victim, 'template.yml'))).toBe(true);
  });

  it('are refused by templates show and init', { timeout: 120_000 }, async () => {
    for (const name of ['../../etc', '../templates/chat-agent/../../..']) {
      expectClearFailure(await run(['templates', 'show', name]));
    }
    const result = await run(['init', '../../../etc', '--directory', path.join(work, 'init-target')]);
    expectClearFailure(result);
    expect(existsSync(path.join(work, 'init-target'))).toBe(false);
  });
});

describe('templates install copies only the template', () => {
  it('leaves .env, .git and stray files behind', { timeout: 120_000 }, async () => {
    const source = templateNamed('with-secrets', 'with-secrets');
    writeFileSync(path.join(source, '.env'), 'API_KEY=canary-install-9f8e\n');
    mkdirSync(path.join(source, '.git'), { recursive: true });
    writeFileSync(path.join(source, '.git/config'), '[remote "origin"]\n');
    writeFileSync(path.join(source, 'notes.txt'), 'private\n');
    const result = await run(['templates', 'install', source]);
    expect(result.code, result.stderr).toBe(0);
    const installed = readdirSync(path.join(templatesDir, 'with-secrets'));
    expect(installed).toContain('template.yml');
    for (const name of ['.env', '.git', 'notes.txt']) expect(installed).not.toContain(name);
    expect(result.stdout + result.stderr).not.toContain('canary-install-9f8e');
    // And uninstall by name removes exactly that copy.
    const uninstall = await run(['templates', 'uninstall', 'with-secrets']);
    expect(uninstall.code, uninstall.stderr).toBe(0);
    expect(existsSync(path.join(templatesDir, 'with-secrets'))).toBe(false);
    expect(existsSync(path.join(source, 'template.yml'))).toBe(true);
  });
});

describe('setup.files[].source cannot read outside the template', () => {
  const canary = 'canary-outside-file-3c1d';

  /** A template whose one setup file is read from `source`. */
  function templateReading(directory: string, source: string): string {
    const target = templateNamed(directory, directory);
    const file = path.join(target, 'template.yml');
    const text = readFileSync(file, 'utf8').replace(/^setup:[\s\S]*?(?=^\S)/m, '');
    writeFileSync(
      file,
      `${text.trimEnd()}\nsetup:\n  files:\n    - path: /app/data.txt\n      source: ${JSON.stringify(source)}\n`,
    );
    return target;
  }

  it('refuses .., absolute paths, symlinks out and .env, without printing the file', {
    timeout: 120_000,
  }, async () => {
    writeFileSync(path.join(work, 'outside-secret.txt'), `${canary}\n`);
    const cases: Record<string, string> = {
      'src-dotdot': '../outside-secret.txt',
      'src-absolute': path.join(work, 'outside-secret.txt'),
      'src-link': 'link.txt',
      'src-env': '.env',
    };
    for (const [directory, source] of Object.entries(cases)) {
      const target = templateReading(directory, source);
      if (directory === 'src-link') {
        symlinkSync(path.join(work, 'outside-secret.txt'), path.join(target, 'link.txt'));
      }
      if (directory === 'src-env') writeFileSync(path.join(target, '.env'), `TOKEN=${canary}\n`);
      const out = path.join(work, `${directory}-out`);
      const result = await run(['plan', '--template', target, '--out', out]);
      expect(result.code, `${directory}: ${result.stdout}`).toBe(1);
      expect(result.stderr).toMatch(/^Error: .+/m);
      expect(result.stdout + result.stderr).not.toContain(canary);
      expect(existsSync(path.join(out, 'user-data.yaml'))).toBe(false);
    }
  });

  it('accepts a plain file next to the template (the check is not a blanket refusal)', {
    timeout: 120_000,
  }, async () => {
    const target = templateReading('src-ok', 'data.txt');
    writeFileSync(path.join(target, 'data.txt'), 'hello\n');
    const result = await run(['plan', '--template', target]);
    expect(result.code, result.stderr).toBe(0);
  });
});
