/** `init` through the built binary: what it writes, and that refusals leave nothing behind. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { repoRoot, runCli, tempHome } from '../support/cli.js';

function listing(directory: string): string[] {
  return readdirSync(directory, { recursive: true }).map(String).sort();
}

describe('init', () => {
  test('writes deploy.yml with the schema modeline, .env.example, README.md and .gitignore', async () => {
    const { home, env } = tempHome();
    const result = await runCli(['init', 'llm-api', '--directory', 'proj'], { env, cwd: home });
    expect(result.code).toBe(0);
    const project = path.join(home, 'proj');
    expect(listing(project)).toEqual([
      '.env.example',
      '.gitignore',
      '.linode',
      '.linode/template.schema.json',
      'README.md',
      'deploy.yml',
    ]);
    const deploy = readFileSync(path.join(project, 'deploy.yml'), 'utf8');
    const template = readFileSync(path.join(repoRoot, 'templates/llm-api/template.yml'), 'utf8');
    expect(deploy).toBe(`# yaml-language-server: $schema=.linode/template.schema.json\n${template}`);
    expect(readFileSync(path.join(project, '.gitignore'), 'utf8').split('\n')).toEqual(
      expect.arrayContaining(['.env', '.linode/']),
    );
    expect(readFileSync(path.join(project, '.env.example'), 'utf8')).toMatch(/^HF_TOKEN=$/m);
    expect(result.stdout).toContain('cp .env.example .env    # set HF_TOKEN');

    const validate = await runCli(['templates', 'validate', 'deploy.yml'], { env, cwd: project });
    expect(validate.code).toBe(0);
  });

  test("the modeline names no absolute path: a relative one, to this installation's schema", async () => {
    const { home, env } = tempHome();
    const result = await runCli(['init', 'chat-agent', '--directory', 'proj'], { env, cwd: home });
    expect(result.code, result.stderr).toBe(0);
    const project = path.join(home, 'proj');
    // No file written names the checkout, the package or the home directory.
    for (const file of listing(project).filter((name) => name !== '.linode')) {
      const text = readFileSync(path.join(project, file), 'utf8');
      for (const absolute of [repoRoot, home]) expect(text, file).not.toContain(absolute);
    }
    const modeline = /^# yaml-language-server: \$schema=(\S+)$/m.exec(
      readFileSync(path.join(project, 'deploy.yml'), 'utf8'),
    )?.[1];
    expect(modeline).toBeDefined();
    expect(path.isAbsolute(modeline!)).toBe(false);
    expect(modeline).not.toContain('..');
    // The YAML language server resolves it against deploy.yml's directory: the packaged schema.
    const packaged = readFileSync(path.join(repoRoot, 'schema/template.schema.json'), 'utf8');
    expect(readFileSync(path.resolve(project, modeline!), 'utf8')).toBe(packaged);

    // A stale or missing copy (a fresh clone: .linode/ is not committed) is put back by plan.
    writeFileSync(path.join(project, modeline!), '{"stale": true}');
    const plan = await runCli(['plan'], { env, cwd: project });
    expect(plan.code, plan.stderr).toBe(0);
    expect(readFileSync(path.resolve(project, modeline!), 'utf8')).toBe(packaged);
  });

  test('--region, --type and --app-name are written into deploy.yml', async () => {
    const { home, env } = tempHome();
    const result = await runCli(
      [
        'init',
        'chat-agent',
        '-d',
        'p',
        '--region',
        'de-fra-2',
        '--type',
        'g6-standard-8',
        '--app-name',
        'helpdesk',
        '--json',
      ],
      { env, cwd: home },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ template: 'chat-agent', source: 'bundled' });
    const deploy = parse(readFileSync(path.join(home, 'p/deploy.yml'), 'utf8'));
    expect(deploy).toMatchObject({
      app_name: 'helpdesk',
      deploy: { linode: { region_default: 'de-fra-2', type_default: 'g6-standard-8' } },
    });
  });

  test('from a path into the current directory: keeps README.md, extends .gitignore', async () => {
    const { home, env } = tempHome();
    const project = path.join(home, 'existing');
    mkdirSync(project);
    writeFileSync(path.join(project, 'README.md'), 'mine\n');
    writeFileSync(path.join(project, '.gitignore'), 'node_modules\n');
    const source = path.join(repoRoot, 'templates/embeddings-python');
    const result = await runCli(['init', source], { env, cwd: project });
    expect(result.code).toBe(0);
    expect(readFileSync(path.join(project, 'README.md'), 'utf8')).toBe('mine\n');
    expect(readFileSync(path.join(project, '.gitignore'), 'utf8')).toMatch(
      /^node_modules\n\n# linode-build.*\n\.env\n\.linode\/\n$/,
    );
  });

  test('files named by setup.files[].source come along, and the project validates', async () => {
    const { home, env } = tempHome();
    const source = path.join(home, 'tpl');
    mkdirSync(path.join(source, 'app'), { recursive: true });
    writeFileSync(path.join(source, 'app', 'main.py'), 'print("hello")\n');
    writeFileSync(path.join(source, '.env'), 'SECRET=canary-never-copied-42\n');
    writeFileSync(
      path.join(source, 'template.yml'),
      [
        'name: sourced',
        'version: 0.1.0',
        'deploy:',
        '  linode:',
        '    container:',
        '      image: python:3.12-slim',
        '      command: [python, /app/main.py]',
        '      health: {type: tcp}',
        'setup:',
        '  files:',
        '    - path: /app/main.py',
        '      source: app/main.py',
        '',
      ].join('\n'),
    );
    const result = await runCli(['init', './tpl', '-d', 'proj'], { env, cwd: home });
    expect(result.code).toBe(0);
    expect(listing(path.join(home, 'proj'))).toEqual([
      '.env.example',
      '.gitignore',
      '.linode',
      '.linode/template.schema.json',
      'README.md',
      'app',
      path.join('app', 'main.py'),
      'deploy.yml',
    ]);
    expect(result.stdout + result.stderr).not.toContain('canary-never-copied-42');
    const validate = await runCli(['templates', 'validate', 'proj'], { env, cwd: home });
    expect(validate.code).toBe(0);
  });

  describe('refusals change nothing', () => {
    test('a non-empty --directory', async () => {
      const { home, env } = tempHome();
      const target = path.join(home, 'full');
      mkdirSync(target);
      writeFileSync(path.join(target, 'keep.txt'), 'x');
      const result = await runCli(['init', 'chat-agent', '-d', 'full'], { env, cwd: home });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^Error: full is not empty\.\nHint: /);
      expect(listing(target)).toEqual(['keep.txt']);
    });

    test('a missing template', async () => {
      const { home, env } = tempHome();
      const result = await runCli(['init', 'no-such-template', '-d', 'new'], { env, cwd: home });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/template 'no-such-template' not found/);
      expect(listing(home).filter((entry) => !entry.startsWith('.'))).toEqual([]);
    });

    test('an existing deploy.yml in the current directory', async () => {
      const { home, env } = tempHome();
      // A project directory of its own: HOME also gets Node's compile cache (~/.cache).
      const project = path.join(home, 'project');
      mkdirSync(project);
      writeFileSync(path.join(project, 'deploy.yml'), 'name: mine\n');
      const before = listing(project);
      const result = await runCli(['init', 'chat-agent'], { env, cwd: project });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/deploy\.yml already exists/);
      expect(listing(project)).toEqual(before);
      expect(readFileSync(path.join(project, 'deploy.yml'), 'utf8')).toBe('name: mine\n');
    });

    test('a --type without a GPU for a GPU template', async () => {
      const { home, env } = tempHome();
      const result = await runCli(['init', 'ml-pipeline', '-d', 'gpu', '--type', 'g6-standard-2'], {
        env,
        cwd: home,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/'g6-standard-2' has no GPU/);
      expect(result.stderr).toMatch(/nothing was written/);
      expect(listing(home).filter((entry) => !entry.startsWith('.'))).toEqual([]);
    });

    test('an invalid template path', async () => {
      const { home, env } = tempHome();
      writeFileSync(path.join(home, 'bad.yml'), 'name: x\nversion: 1.0.0\ndeploy: {linode: {}}\n');
      const result = await runCli(['init', './bad.yml', '-d', 'out'], { env, cwd: home });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/bad\.yml:3:10: error: runtime docker needs a container image/);
      expect(listing(home).filter((entry) => !entry.startsWith('.'))).toEqual(['bad.yml']);
    });
  });
});
