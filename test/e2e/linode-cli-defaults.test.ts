/**
 * linode-cli's configured defaults (region, type, image) fill in what the flags and the
 * template leave open, and `plan` says where each value came from, in text and --json:
 * flag > deploy.yml/template > linode-cli default > built-in default. The config file is
 * planted where linode-cli reads it; it holds no token, so nothing can reach an API.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempHome } from '../support/cli.js';

const chatAgent = readFileSync(path.join(repoRoot, 'templates/chat-agent/template.yml'), 'utf8');

/** A project whose deploy.yml leaves region, type and image open (each line removed unless kept). */
function project(home: string, keep: readonly ('image' | 'region_default' | 'type_default')[] = []): string {
  const directory = path.join(home, 'proj');
  mkdirSync(directory, { recursive: true });
  const text = chatAgent
    .split('\n')
    .filter((line) => {
      const key = /^ {4}(image|region_default|type_default):/.exec(line)?.[1];
      return key === undefined || keep.includes(key as never);
    })
    .join('\n');
  writeFileSync(path.join(directory, 'deploy.yml'), text);
  return directory;
}

const aliceConfig = [
  '[DEFAULT]',
  'default-user = alice',
  '',
  '[alice]',
  'region = us-east',
  'type = g6-standard-2',
  'image = linode/ubuntu22.04',
  '',
  '[bob]',
  'region = ap-south',
  '',
].join('\n');

function plantConfig(home: string, text: string, file = '.config/linode-cli'): void {
  mkdirSync(path.dirname(path.join(home, file)), { recursive: true });
  writeFileSync(path.join(home, file), text);
}

interface PlanJson {
  region: string;
  type: string;
  image: string;
  origins: { region: string; type: string; image: string };
}

async function planJson(cwd: string, env: Record<string, string>, args: string[] = []): Promise<PlanJson> {
  const result = await runCli(['plan', '--json', ...args], { cwd, env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as PlanJson;
}

describe("linode-cli's configured defaults", () => {
  it('fill in region, type and image the project leaves open, and plan says so', async () => {
    const { home, env } = tempHome();
    plantConfig(home, aliceConfig);
    const cwd = project(home);
    const plan = await planJson(cwd, env);
    expect(plan).toMatchObject({
      region: 'us-east',
      type: 'g6-standard-2',
      image: 'linode/ubuntu22.04',
      origins: { region: 'linode-cli default', type: 'linode-cli default', image: 'linode-cli default' },
    });
    const text = await runCli(['plan'], { cwd, env });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      'region us-east (linode-cli default) · type g6-standard-2 (linode-cli default) · image linode/ubuntu22.04 (linode-cli default)',
    );
  });

  it('lose to the flags and to deploy.yml; the built-in image is last', async () => {
    const { home, env } = tempHome();
    plantConfig(home, aliceConfig);
    const flagged = await planJson(project(home), env, ['--region', 'de-fra-2', '--type', 'g6-standard-4']);
    expect(flagged).toMatchObject({
      region: 'de-fra-2',
      type: 'g6-standard-4',
      origins: { region: 'flag', type: 'flag', image: 'linode-cli default' },
    });
    const own = await planJson(project(home, ['image', 'region_default', 'type_default']), env);
    expect(own).toMatchObject({
      region: 'us-ord',
      type: 'g6-standard-4',
      image: 'linode/ubuntu24.04',
      origins: { region: 'deploy.yml', type: 'deploy.yml', image: 'deploy.yml' },
    });
    const template = await planJson(home, env, ['--template', 'chat-agent']);
    expect(template.origins).toEqual({ region: 'template', type: 'template', image: 'template' });

    // No image anywhere: the built-in one, named as such.
    plantConfig(home, '[DEFAULT]\ndefault-user = alice\n\n[alice]\nregion = us-east\ntype = g6-standard-2\n');
    const builtIn = await planJson(project(home), env);
    expect(builtIn).toMatchObject({ image: 'linode/ubuntu24.04', origins: { image: 'built-in default' } });
  });

  it('are read as linode-cli reads them: ~/.linode-cli first, the only user as default, [DEFAULT] values', async () => {
    const { home, env } = tempHome();
    plantConfig(home, aliceConfig);
    // The legacy file wins when it exists, as in linode-cli.
    plantConfig(home, '[carol]\nregion = eu-west\ntype = g6-standard-1\n', '.linode-cli');
    const legacy = await planJson(project(home), env);
    expect(legacy).toMatchObject({
      region: 'eu-west',
      type: 'g6-standard-1',
      origins: { region: 'linode-cli default' },
    });

    const { home: other, env: otherEnv } = tempHome();
    plantConfig(other, '[DEFAULT]\nregion = ca-central\ntype = g6-nanode-1\n');
    const oldStyle = await planJson(project(other), otherEnv);
    expect(oldStyle).toMatchObject({ region: 'ca-central', type: 'g6-nanode-1' });
  });

  it('a GPU template with a linode-cli type without a GPU, or a malformed default, is refused naming the config', async () => {
    const { home, env } = tempHome();
    const llm = readFileSync(path.join(repoRoot, 'templates/llm-api/template.yml'), 'utf8').replace(
      /^ {4}type_default:.*\n/m,
      '',
    );
    const cwd = path.join(home, 'gpu');
    mkdirSync(cwd);
    writeFileSync(path.join(cwd, 'deploy.yml'), llm);
    writeFileSync(path.join(cwd, '.env'), 'HF_TOKEN=x\n');
    plantConfig(home, aliceConfig);
    const gpu = await runCli(['plan'], { cwd, env });
    expect(gpu.code).toBe(1);
    expect(gpu.stderr).toMatch(
      /^Error: the default type 'g6-standard-2' from linode-cli's config has no GPU/m,
    );

    plantConfig(home, '[DEFAULT]\nregion = us east!\ntype = g6-standard-2\n');
    const bad = await runCli(['plan'], { cwd: project(home), env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      `the default region "us east!" in linode-cli's config (${path.join(home, '.config/linode-cli')}) is not valid`,
    );
    expect(bad.stderr).toMatch(/^Hint: Fix it with 'linode-cli configure', or pass --region/m);
  });
});
