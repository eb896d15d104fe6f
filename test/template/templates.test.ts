/**
 * The four templates of the original tool (read from ../shared/reference when present) and
 * the four bundled ones.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { capabilityKnowledge } from '../../src/capability/knowledge.js';
import { checkTemplateFile } from '../../src/template/load.js';
import { toolsAvailable } from '../support/tools.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const originalsDirectory = path.resolve(repoRoot, '../shared/reference/original-python/templates');
const haveOriginals = existsSync(originalsDirectory);
if (!haveOriginals) console.warn(`[skipped] original templates not found at ${originalsDirectory}`);

const BUNDLED = ['chat-agent', 'embeddings-python', 'llm-api', 'ml-pipeline'] as const;
const bundledFile = (name: string) => path.join(repoRoot, 'templates', name, 'template.yml');

describe.skipIf(!haveOriginals)("the original tool's templates", () => {
  const check = async (name: string) =>
    checkTemplateFile(path.join(originalsDirectory, name, 'template.yml'), await capabilityKnowledge());

  test.each(['chat-agent', 'embeddings-python', 'ml-pipeline'])('%s validates', async (name) => {
    const result = await check(name);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.template?.name).toBe(name);
  });

  test('ml-pipeline is accepted on its GPU plan (the original warned about it, backwards)', async () => {
    const result = await check('ml-pipeline');
    expect(result.template?.deploy.linode.type_default).toBe('g2-gpu-rtx4000a4-m');
    expect(result.diagnostics.map((d) => d.path)).not.toContain('deploy.linode.type_default');
  });

  test('llm-api fails only because gpu-nvidia is on a non-GPU plan (the one original defect refused)', async () => {
    const result = await check('llm-api');
    expect(result.template).toBeUndefined();
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: 'deploy.linode.type_default', line: 21 });
    expect(errors[0]!.message).toMatch(/'g6-standard-8' has no GPU/);
    expect(errors[0]!.hint).toMatch(/g2-gpu-rtx4000a1-s/);
  });

  test('llm-api validates once given a GPU plan', async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'lb-orig-'));
    const text = readFileSync(path.join(originalsDirectory, 'llm-api/template.yml'), 'utf8');
    writeFileSync(path.join(directory, 'template.yml'), text.replace('g6-standard-8', 'g2-gpu-rtx4000a1-s'));
    const result = checkTemplateFile(path.join(directory, 'template.yml'), await capabilityKnowledge());
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('bundled templates', () => {
  test.each(BUNDLED)('%s validates with no warnings', async (name) => {
    const result = checkTemplateFile(bundledFile(name), await capabilityKnowledge());
    expect(result.diagnostics).toEqual([]);
    expect(result.template?.name).toBe(name);
  });

  test.each(BUNDLED)('%s has a README, a health check on the internal port and a modest size', (name) => {
    expect(existsSync(path.join(repoRoot, 'templates', name, 'README.md'))).toBe(true);
    const result = checkTemplateFile(bundledFile(name), capabilityKnowledge());
    const container = result.template!.deploy.linode.container!;
    expect(container.health?.port).toBe(container.internal_port);
    expect(readFileSync(bundledFile(name)).length).toBeLessThan(8 * 1024);
  });

  test('GPU templates use real GPU plans; model servers wait long enough for downloads', () => {
    const load = (name: string) => checkTemplateFile(bundledFile(name), capabilityKnowledge()).template!;
    for (const name of ['llm-api', 'ml-pipeline']) {
      expect(load(name).deploy.linode.type_default).toMatch(/^g[12]-gpu-/);
    }
    expect(load('llm-api').deploy.linode.container!.health!.initial_delay_seconds).toBeGreaterThanOrEqual(
      300,
    );
    expect(load('llm-api').env.required.map((v) => v.name)).toEqual(['HF_TOKEN']);
    expect(load('ml-pipeline').deploy.linode.container!.env.REDIS_HOST).toBe(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${} text of the template.
      '${REDIS_HOST:-host.docker.internal}',
    );
    expect(load('chat-agent').deploy.linode.container!.post_start_script).toMatch(/api\/pull/);
  });
});

describe.skipIf(!toolsAvailable('shellcheck'))('scripts in bundled templates', () => {
  const scripts = BUNDLED.flatMap((name) => {
    const template = checkTemplateFile(bundledFile(name), capabilityKnowledge()).template!;
    const found: [string, string][] = [];
    const postStart = template.deploy.linode.container?.post_start_script;
    if (postStart) found.push([`${name} post_start_script`, postStart]);
    for (const file of template.setup.files) {
      if (file.path.endsWith('.sh')) found.push([`${name} ${file.path}`, file.content]);
    }
    return found;
  });

  test('there are scripts to check', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(3);
  });

  test.each(scripts)('%s passes shellcheck', (_label, script) => {
    const result = spawnSync('shellcheck', ['-s', 'bash', '-'], { input: script, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
