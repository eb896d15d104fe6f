/** `templates *` through the built binary, in a throwaway HOME. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { binPath, runCli, tempHome } from '../support/cli.js';
import { toolsAvailable } from '../support/tools.js';

const BUNDLED = ['chat-agent', 'embeddings-python', 'llm-api', 'ml-pipeline'];

function userTemplate(home: string, name: string, text: string): void {
  const directory = path.join(home, '.config/linode-build/templates', name);
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, 'template.yml'), text);
}

describe('templates list', () => {
  test('an aligned table of the bundled templates', async () => {
    const { env } = tempHome();
    const result = await runCli(['templates', 'list'], { env });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+VERSION\s+SOURCE\s+DESCRIPTION$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(BUNDLED);
    const column = lines[0]!.indexOf('SOURCE');
    for (const line of lines.slice(1)) expect(line.slice(column, column + 7)).toBe('bundled');
    expect(lines.every((line) => line === line.trimEnd())).toBe(true);
  });

  test('--json, with a user override and a broken template marked, not dropped', async () => {
    const { home, env } = tempHome();
    const chat = readFileSync(
      path.resolve(import.meta.dirname, '../../templates/chat-agent/template.yml'),
      'utf8',
    );
    userTemplate(home, 'chat-agent', chat.replace('version: 1.0.0', 'version: 2.0.0'));
    userTemplate(
      home,
      'broken',
      'name: broken\nversion: 1.0.0\ndeploy: {linode: {container: {image: x, internal_port: 0}}}\n',
    );
    const json = await runCli(['templates', 'list', '--json'], { env });
    expect(json.code).toBe(0);
    const entries = JSON.parse(json.stdout) as {
      name: string;
      source: string;
      version: string;
      valid: boolean;
    }[];
    expect(entries.find((e) => e.name === 'chat-agent')).toMatchObject({
      source: 'user',
      version: '2.0.0',
      valid: true,
    });
    expect(entries.find((e) => e.name === 'broken')).toMatchObject({ valid: false });

    const table = await runCli(['templates', 'list'], { env });
    expect(table.stdout).toMatch(/chat-agent\s+2\.0\.0\s+user \(overrides bundled\)/);
    expect(table.stdout).toMatch(/broken\s+-\s+user\s+BROKEN: .*internal_port/);
    expect(table.stderr).toMatch(/template 'broken' does not load: .*template\.yml:3:\d+: error/);
  });
});

describe('templates show', () => {
  test('text and --json', async () => {
    const { env } = tempHome();
    const text = await runCli(['templates', 'show', 'llm-api'], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Plan:\s+g2-gpu-rtx4000a1-s/);
    expect(text.stdout).toContain('80 (published) -> 8000 (in the container)');
    expect(text.stdout).toMatch(/HF_TOKEN \(secret\)/);
    const json = await runCli(['templates', 'show', 'llm-api', '--json'], { env });
    const shown = JSON.parse(json.stdout);
    expect(shown.source).toBe('bundled');
    expect(shown.template.deploy.linode.container.health.interval_seconds).toBe(15);
  });

  test('an unknown name: exit 1 with a suggestion, no stack', async () => {
    const { env } = tempHome();
    const result = await runCli(['templates', 'show', 'lm-api'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^Error: template 'lm-api' not found \(did you mean 'llm-api'\?\)\.\nHint: /,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('a missing argument is a usage error (exit 2)', async () => {
    const result = await runCli(['templates', 'show'], { env: tempHome().env });
    expect(result.code).toBe(2);
  });
});

describe('templates validate', () => {
  test('valid: exit 0; a directory, a template.yml or a deploy.yml', async () => {
    const { home, env } = tempHome();
    const bundled = path.resolve(import.meta.dirname, '../../templates/embeddings-python');
    expect((await runCli(['templates', 'validate', bundled], { env })).code).toBe(0);
    const project = path.join(home, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'deploy.yml'), readFileSync(path.join(bundled, 'template.yml')));
    const result = await runCli(['templates', 'validate'], { env, cwd: project });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/✓ deploy\.yml is a valid template: embeddings-python 1\.0\.0/);
  });

  test('invalid: exit 1, every error with file:line:column and a fix; --json', async () => {
    const { home, env } = tempHome();
    const file = path.join(home, 'template.yml');
    writeFileSync(
      file,
      'name: bad/name\nversion: 1.0\ndeploy:\n  linode:\n    type_default: g6-standard-2\n    container:\n      imgae: nginx\n',
    );
    const result = await runCli(['templates', 'validate', 'template.yml'], { env, cwd: home });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^template\.yml:1:7: error: name has an invalid value "bad\/name"\n {4}fix: /m,
    );
    expect(result.stdout).toMatch(/^template\.yml:2:10: error: version must be a string, not the number 1/m);
    expect(result.stdout).toMatch(/^template\.yml:7:7: error: unknown field 'imgae' .*did you mean 'image'/m);
    expect(result.stdout).toMatch(/✗ template\.yml: 4 errors, 1 warning/);

    const json = await runCli(['templates', 'validate', file, '--json'], { env });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ valid: false, errors: 4, warnings: 1 });
    expect(report.diagnostics[0]).toMatchObject({ line: 1, column: 7, path: 'name' });
  });

  test('a path that does not exist: exit 1, one line and a hint', async () => {
    const result = await runCli(['templates', 'validate', 'nowhere/'], { env: tempHome().env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: nowhere\/: no such file or directory\.\nHint: .+\n$/);
  });
});

describe('templates scaffold → validate → install → uninstall', () => {
  test('the whole author loop without a TTY', async () => {
    const { home, env } = tempHome();
    const scaffold = await runCli(
      [
        'templates',
        'scaffold',
        'my-api',
        '--image',
        'ghcr.io/acme/api:1.0',
        '--internal-port',
        '9000',
        '--gpu',
      ],
      { env, cwd: home },
    );
    expect(scaffold.code).toBe(0);
    expect(readdirSync(path.join(home, 'my-api')).sort()).toEqual([
      '.env.example',
      'README.md',
      'template.yml',
    ]);
    const text = readFileSync(path.join(home, 'my-api/template.yml'), 'utf8');
    expect(text).not.toMatch(/TODO/i);
    expect(text).toContain('type_default: g2-gpu-rtx4000a1-s');

    const validate = await runCli(['templates', 'validate', 'my-api'], { env, cwd: home });
    expect(validate.code).toBe(0);

    const again = await runCli(['templates', 'scaffold', 'my-api'], { env, cwd: home });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);

    writeFileSync(path.join(home, 'my-api/.env'), 'SECRET=canary-value-987\n');
    const install = await runCli(['templates', 'install', './my-api'], { env, cwd: home });
    expect(install.code).toBe(0);
    const installed = path.join(home, '.config/linode-build/templates/my-api');
    expect(existsSync(path.join(installed, '.env'))).toBe(false);

    const list = await runCli(['templates', 'list'], { env });
    expect(list.stdout).toMatch(/my-api\s+0\.1\.0\s+user/);

    expect((await runCli(['templates', 'install', './my-api'], { env, cwd: home })).code).toBe(1);
    expect((await runCli(['templates', 'install', './my-api', '--force'], { env, cwd: home })).code).toBe(0);

    const traversal = await runCli(['templates', 'uninstall', '../my-api'], { env });
    expect(traversal.code).toBe(1);
    expect(existsSync(installed)).toBe(true);
    const uninstall = await runCli(['templates', 'uninstall', 'my-api'], { env });
    expect(uninstall.code).toBe(0);
    expect(existsSync(installed)).toBe(false);
  });

  test('bad flags are usage errors', async () => {
    const { home, env } = tempHome();
    const port = await runCli(['templates', 'scaffold', 'x', '--internal-port', '70000'], { env, cwd: home });
    expect(port.code).toBe(2);
    const name = await runCli(['templates', 'scaffold', 'Bad_Name'], { env, cwd: home });
    expect(name.code).toBe(2);
    expect(readdirSync(home).filter((entry) => !entry.startsWith('.'))).toEqual([]);
  });
});

describe('start-up weight', () => {
  // The bundle keeps esbuild's `// node_modules/<pkg>/…` origin comments; follow the chunks a
  // command can load and make sure the heavy packages are not among them.
  const distDirectory = path.resolve(import.meta.dirname, '../../dist');
  const HEAVY = /^\/\/ node_modules\/(ink|react|react-dom|yoga-layout|@linode\/api-v4)\//m;

  function reachable(start: string, followDynamic: boolean): Set<string> {
    const seen = new Set<string>();
    const pending = [start];
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      const pattern = followDynamic
        ? /(?:from |import\()\s*"(\.\/[^"]+\.js)"/g
        : /(?:from |^import )\s*"(\.\/[^"]+\.js)"/gm;
      for (const match of text.matchAll(pattern)) pending.push(path.resolve(path.dirname(file), match[1]!));
    }
    return seen;
  }

  test('--help loads neither Ink/React nor the Linode client', () => {
    const files = reachable(path.join(distDirectory, 'cli.js'), false);
    expect(files.size).toBeGreaterThan(1);
    for (const file of files) expect(readFileSync(file, 'utf8')).not.toMatch(HEAVY);
  });

  test('templates list (even on a cache miss) loads neither', () => {
    const chunks = readdirSync(path.join(distDirectory, 'chunks'));
    const handler = chunks.find((name) => name.startsWith('list-command-'));
    expect(handler).toBeDefined();
    const files = reachable(path.join(distDirectory, 'chunks', handler!), true);
    const yamlChunk = [...files].some((file) =>
      /^\/\/ node_modules\/yaml\//m.test(readFileSync(file, 'utf8')),
    );
    expect(yamlChunk).toBe(true); // the miss path is followed
    for (const file of files) expect(readFileSync(file, 'utf8')).not.toMatch(HEAVY);
  });
});

describe.skipIf(!toolsAvailable('tmux'))('templates scaffold on a terminal', () => {
  test('asks for the answers not given as flags, in a real TTY (tmux)', async () => {
    const { home, env } = tempHome();
    const socket = `lb-scaffold-${process.pid}`;
    const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
    const command = [process.execPath, binPath, 'templates', 'scaffold', 'tty-api', '--gpu']
      .map((word) => `'${word}'`)
      .join(' ');
    const environment = Object.entries(env)
      .map(([key, value]) => `${key}='${value}'`)
      .join(' ');
    expect(
      tmux(
        'new-session',
        '-d',
        '-x',
        '200',
        '-y',
        '50',
        '-c',
        home,
        `env ${environment} ${command}; sleep 30`,
      ).status,
    ).toBe(0);
    const waitFor = async (text: string) => {
      for (let i = 0; i < 100; i++) {
        if (tmux('capture-pane', '-p').stdout.includes(text)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`timed out waiting for '${text}': ${tmux('capture-pane', '-p').stdout}`);
    };
    try {
      const answers: [string, string][] = [
        ['Display name [Tty Api]:', 'TTY API'],
        ['Description', ''],
        ['Runtime (docker/native) [docker]:', ''],
        ['Container image', 'ghcr.io/acme/tty:1'],
        ['Port inside the container [8000]:', '7000'],
        ['Published port [80]:', ''],
        ['Health check path [/health]:', '/ready'],
      ];
      for (const [prompt, reply] of answers) {
        await waitFor(prompt);
        tmux('send-keys', reply === '' ? '' : reply, 'Enter');
      }
      await waitFor("Created template 'tty-api'");
    } finally {
      tmux('kill-server');
    }
    const text = readFileSync(path.join(home, 'tty-api/template.yml'), 'utf8');
    expect(text).toContain('display_name: TTY API');
    expect(text).toContain('image: ghcr.io/acme/tty:1');
    expect(text).toContain('internal_port: 7000');
    expect(text).toContain('path: /ready');
    expect(text).toContain('type_default: g2-gpu-rtx4000a1-s');
  });
});
