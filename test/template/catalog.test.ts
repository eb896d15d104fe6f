import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { listTemplates, resolveTemplate } from '../../src/catalog/index.js';
import { installTemplate, uninstallTemplate } from '../../src/catalog/install.js';
import { listCacheFile, listTemplatesCached } from '../../src/catalog/list-cache.js';
import { isEmptyDirectory, writeFilesAtomically } from '../../src/catalog/write-files.js';
import { CliError } from '../../src/errors.js';
import { TemplateError } from '../../src/template/load.js';
import { BASE_TEMPLATE } from './helpers.js';

let root: string;
let env: NodeJS.ProcessEnv;
let userDirectory: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lb-catalog-'));
  env = { LINODE_BUILD_HOME: path.join(root, 'state'), HOME: root };
  userDirectory = path.join(root, 'state', 'config', 'templates');
});

/** A template directory with extra files that must never be installed. */
function templateDirectory(
  name = 'demo',
  text = BASE_TEMPLATE.replace('name: demo', `name: ${name}`),
): string {
  const directory = path.join(root, `src-${name}`);
  mkdirSync(path.join(directory, '.git'), { recursive: true });
  writeFileSync(path.join(directory, 'template.yml'), text);
  writeFileSync(path.join(directory, 'README.md'), '# readme\n');
  writeFileSync(path.join(directory, '.env.example'), 'API_KEY=\n');
  writeFileSync(path.join(directory, '.env'), 'API_KEY=canary-secret-123\n');
  writeFileSync(path.join(directory, '.git', 'config'), '[core]\n');
  writeFileSync(path.join(directory, 'notes.txt'), 'private\n');
  return directory;
}

describe('listTemplates', () => {
  test('bundled templates, sorted', () => {
    const names = listTemplates({ env }).map((entry) => `${entry.name}:${entry.source}:${entry.valid}`);
    expect(names).toEqual([
      'chat-agent:bundled:true',
      'embeddings-python:bundled:true',
      'llm-api:bundled:true',
      'ml-pipeline:bundled:true',
    ]);
  });

  test('a user template overrides a bundled one; a broken one is listed, not dropped', () => {
    installTemplate(templateDirectory('llm-api'), { cwd: root, env });
    mkdirSync(path.join(userDirectory, 'broken'), { recursive: true });
    writeFileSync(path.join(userDirectory, 'broken', 'template.yml'), 'name: broken\nversion: [\n');
    const entries = listTemplates({ env });
    const llm = entries.find((entry) => entry.name === 'llm-api');
    expect(llm).toMatchObject({ source: 'user', overridesBundled: true, valid: true, version: '1.0.0' });
    const broken = entries.find((entry) => entry.name === 'broken');
    expect(broken?.valid).toBe(false);
    expect(broken?.diagnostics[0]?.message).toMatch(/YAML syntax error/);
  });

  test('a directory whose name differs from the template name is marked broken', () => {
    mkdirSync(path.join(userDirectory, 'other'), { recursive: true });
    writeFileSync(path.join(userDirectory, 'other', 'template.yml'), BASE_TEMPLATE);
    const entry = listTemplates({ env }).find((candidate) => candidate.name === 'other');
    expect(entry?.valid).toBe(false);
    expect(entry?.diagnostics.at(-1)?.message).toMatch(/named 'demo'/);
  });
});

describe('listTemplatesCached', () => {
  test('gives what listTemplates gives, and notices a changed template', async () => {
    installTemplate(templateDirectory(), { cwd: root, env });
    expect(await listTemplatesCached({ env })).toEqual(listTemplates({ env }));
    expect(existsSync(listCacheFile({ env }))).toBe(true);
    expect(await listTemplatesCached({ env })).toEqual(listTemplates({ env }));

    const file = path.join(userDirectory, 'demo', 'template.yml');
    writeFileSync(file, BASE_TEMPLATE.replace('version: 1.0.0', 'version: 1.0.0-changed.1'));
    const changed = await listTemplatesCached({ env });
    expect(changed.find((entry) => entry.name === 'demo')?.version).toBe('1.0.0-changed.1');

    writeFileSync(file, 'not: [valid\n');
    expect((await listTemplatesCached({ env })).find((entry) => entry.name === 'demo')?.valid).toBe(false);
    uninstallTemplate('demo', { env });
    expect((await listTemplatesCached({ env })).map((entry) => entry.name)).not.toContain('demo');
  });

  test('serves entries from the cache when nothing changed', async () => {
    await listTemplatesCached({ env });
    const cache = JSON.parse(readFileSync(listCacheFile({ env }), 'utf8'));
    const key = Object.keys(cache.entries).find((candidate) =>
      candidate.endsWith('chat-agent/template.yml'),
    )!;
    cache.entries[key].entry.description = 'from the cache';
    writeFileSync(listCacheFile({ env }), JSON.stringify(cache));
    const entries = await listTemplatesCached({ env });
    expect(entries.find((entry) => entry.name === 'chat-agent')?.description).toBe('from the cache');
  });

  test('a corrupt cache is ignored and replaced', async () => {
    mkdirSync(path.dirname(listCacheFile({ env })), { recursive: true });
    writeFileSync(listCacheFile({ env }), '{corrupt');
    expect(await listTemplatesCached({ env })).toEqual(listTemplates({ env }));
    expect(() => JSON.parse(readFileSync(listCacheFile({ env }), 'utf8'))).not.toThrow();
  });
});

describe('resolveTemplate', () => {
  test('by bundled name, with a matching @version', () => {
    const loaded = resolveTemplate('chat-agent@1.0.0', { cwd: root, env });
    expect(loaded).toMatchObject({ source: 'bundled', template: { name: 'chat-agent' } });
  });

  test('a wrong @version is refused', () => {
    expect(() => resolveTemplate('chat-agent@9.9.9', { cwd: root, env })).toThrow(
      /is version 1\.0\.0, not 9\.9\.9/,
    );
  });

  test('an unknown name suggests the closest', () => {
    expect(() => resolveTemplate('chat-agnet', { cwd: root, env })).toThrow(
      /not found \(did you mean 'chat-agent'\?\)/,
    );
  });

  test('by path: a directory with deploy.yml, a file, and ~/', () => {
    const project = path.join(root, 'project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'deploy.yml'), BASE_TEMPLATE);
    expect(resolveTemplate('./project', { cwd: root, env }).source).toBe('path');
    expect(resolveTemplate('project/deploy.yml', { cwd: root, env }).template.name).toBe('demo');
    expect(resolveTemplate('~/project', { cwd: '/', env }).template.name).toBe('demo');
  });

  test('an invalid template throws TemplateError with every diagnostic', () => {
    const directory = templateDirectory('demo', BASE_TEMPLATE.replace('1.0.0', 'one').replace('8080', '0'));
    try {
      resolveTemplate(directory, { cwd: root, env });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TemplateError);
      expect((error as TemplateError).diagnostics).toHaveLength(2);
      expect((error as TemplateError).message).toMatch(/2 errors/);
    }
  });

  test('setup.files[].source is read from next to the template, and may not escape it', () => {
    const directory = templateDirectory();
    mkdirSync(path.join(directory, 'app'));
    writeFileSync(path.join(directory, 'app', 'main.py'), 'print("hi")\n');
    const withSource = `${BASE_TEMPLATE}setup:\n  files:\n    - path: /app/main.py\n      source: app/main.py\n`;
    writeFileSync(path.join(directory, 'template.yml'), withSource);
    expect(resolveTemplate(directory, { cwd: root, env }).template.setup.files[0]?.content).toBe(
      'print("hi")\n',
    );

    writeFileSync(path.join(root, 'outside.txt'), 'secret');
    symlinkSync(path.join(root, 'outside.txt'), path.join(directory, 'app', 'link.py'));
    writeFileSync(
      path.join(directory, 'template.yml'),
      withSource.replace('source: app/main.py', 'source: app/link.py'),
    );
    expect(() => resolveTemplate(directory, { cwd: root, env })).toThrow(/outside the template directory/);
  });
});

describe('installTemplate', () => {
  test('validates, then copies only the template files', () => {
    const result = installTemplate(templateDirectory(), { cwd: root, env });
    expect(result.destination).toBe(path.join(userDirectory, 'demo'));
    expect(readdirSync(result.destination).sort()).toEqual(['.env.example', 'README.md', 'template.yml']);
    expect(readFileSync(path.join(result.destination, 'template.yml'), 'utf8')).toBe(BASE_TEMPLATE);
  });

  test('copies files named by setup.files[].source', () => {
    const directory = templateDirectory();
    mkdirSync(path.join(directory, 'app'));
    writeFileSync(path.join(directory, 'app', 'main.py'), 'x = 1\n');
    writeFileSync(
      path.join(directory, 'template.yml'),
      `${BASE_TEMPLATE}setup:\n  files:\n    - path: /app/main.py\n      source: app/main.py\n`,
    );
    const result = installTemplate(directory, { cwd: root, env });
    expect(result.files).toContain(path.join('app', 'main.py'));
    expect(readFileSync(path.join(result.destination, 'app', 'main.py'), 'utf8')).toBe('x = 1\n');
  });

  test('an invalid template is not installed', () => {
    const directory = templateDirectory('demo', BASE_TEMPLATE.replace('name: demo', 'name: ../escape'));
    expect(() => installTemplate(directory, { cwd: root, env })).toThrow(TemplateError);
    expect(existsSync(userDirectory)).toBe(false);
    expect(existsSync(path.join(root, 'state', 'escape'))).toBe(false);
  });

  test('an installed template is replaced only with force', () => {
    const directory = templateDirectory();
    installTemplate(directory, { cwd: root, env });
    expect(() => installTemplate(directory, { cwd: root, env })).toThrow(/already installed/);
    writeFileSync(path.join(directory, 'template.yml'), BASE_TEMPLATE.replace('1.0.0', '1.1.0'));
    const result = installTemplate(directory, { cwd: root, env, force: true });
    expect(result.replaced).toBe(true);
    expect(readFileSync(path.join(result.destination, 'template.yml'), 'utf8')).toContain('1.1.0');
    expect(readdirSync(userDirectory)).toEqual(['demo']);
  });

  test('a symlinked README pointing outside is not copied', () => {
    const directory = templateDirectory();
    writeFileSync(path.join(root, 'elsewhere.md'), 'outside');
    const readme = path.join(directory, 'README.md');
    rmSync(readme);
    symlinkSync(path.join(root, 'elsewhere.md'), readme);
    const result = installTemplate(directory, { cwd: root, env });
    expect(result.files).not.toContain('README.md');
  });
});

describe('uninstallTemplate', () => {
  test.each(['/tmp/x', '../x', '..', 'a/b', '', 'UPPER'])('refuses %j', (name) => {
    mkdirSync(path.join(root, 'state'), { recursive: true });
    writeFileSync(path.join(root, 'state', 'registry.json'), '{}');
    expect(() => uninstallTemplate(name, { env })).toThrow(CliError);
    expect(existsSync(path.join(root, 'state', 'registry.json'))).toBe(true);
  });

  test('removes an installed template', () => {
    installTemplate(templateDirectory(), { cwd: root, env });
    uninstallTemplate('demo', { env });
    expect(existsSync(path.join(userDirectory, 'demo'))).toBe(false);
  });

  test('a name that is not installed is an error (bundled ones are not removable)', () => {
    expect(() => uninstallTemplate('llm-api', { env })).toThrow(/not installed/);
  });

  test('a symlink in the user directory is removed, never what it points to', () => {
    const victim = path.join(root, 'victim');
    mkdirSync(victim);
    writeFileSync(path.join(victim, 'template.yml'), BASE_TEMPLATE);
    mkdirSync(userDirectory, { recursive: true });
    symlinkSync(victim, path.join(userDirectory, 'demo'));
    uninstallTemplate('demo', { env });
    expect(existsSync(path.join(userDirectory, 'demo'))).toBe(false);
    expect(readFileSync(path.join(victim, 'template.yml'), 'utf8')).toBe(BASE_TEMPLATE);
  });
});

describe('writeFilesAtomically', () => {
  test('creates a new directory in one step', () => {
    const target = path.join(root, 'new', 'project');
    writeFilesAtomically(
      target,
      new Map([
        ['a.txt', 'a'],
        ['sub/b.txt', 'b'],
      ]),
    );
    expect(readFileSync(path.join(target, 'sub', 'b.txt'), 'utf8')).toBe('b');
    expect(readdirSync(path.join(root, 'new'))).toEqual(['project']);
  });

  test('refuses to overwrite and writes nothing', () => {
    const target = path.join(root, 'existing');
    mkdirSync(target);
    writeFileSync(path.join(target, 'b.txt'), 'keep');
    expect(() =>
      writeFilesAtomically(
        target,
        new Map([
          ['a.txt', 'a'],
          ['b.txt', 'b'],
        ]),
      ),
    ).toThrow(/b\.txt already exists/);
    expect(readdirSync(target)).toEqual(['b.txt']);
    expect(readFileSync(path.join(target, 'b.txt'), 'utf8')).toBe('keep');
  });

  test('undoes every write when one fails', () => {
    const target = path.join(root, 'partial');
    mkdirSync(target);
    writeFileSync(path.join(target, '.gitignore'), 'old\n');
    // A directory where a file should go makes the second write fail.
    mkdirSync(path.join(target, 'blocked'));
    const files = new Map([
      ['.gitignore', 'new\n'],
      ['a.txt', 'a'],
      ['blocked/', 'x'],
    ]);
    expect(() =>
      writeFilesAtomically(target, files, { replace: new Set(['.gitignore', 'blocked/']) }),
    ).toThrow();
    expect(readdirSync(target).sort()).toEqual(['.gitignore', 'blocked']);
    expect(readFileSync(path.join(target, '.gitignore'), 'utf8')).toBe('old\n');
  });

  test('isEmptyDirectory', () => {
    expect(isEmptyDirectory(path.join(root, 'missing'))).toBe(true);
    expect(isEmptyDirectory(root)).toBe(true);
    writeFileSync(path.join(root, 'f'), '');
    expect(isEmptyDirectory(root)).toBe(false);
  });
});
