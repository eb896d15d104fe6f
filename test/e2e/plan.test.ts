/**
 * `plan` end to end: the built binary in a throwaway HOME. A canary secret in .env must never
 * appear in stdout, stderr, --json or the --out request files; only user-data.yaml (the
 * document) and user-data.yaml.gz (the exact payload), both mode 0600, hold it.
 */

import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempHome } from '../support/cli.js';

const CANARY = 'hf_CANARY_9f8e7d6c5b4a';

function project(envText?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-plan-e2e-'));
  copyFileSync(path.join(repoRoot, 'templates/llm-api/template.yml'), path.join(dir, 'deploy.yml'));
  if (envText !== undefined) writeFileSync(path.join(dir, '.env'), envText);
  return dir;
}

describe('linode-build plan', () => {
  const { env } = tempHome();

  it('plans a bundled template with no .env, saying which values are placeholders', async () => {
    const result = await runCli(['plan', '--template', 'llm-api'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Plan for bundled template llm-api');
    expect(result.stdout).toContain('placeholder value');
    expect(result.stdout).toMatch(/User-data: [\d,]+ of 65,535 bytes/);
    expect(result.stdout).toContain('"root_pass": "[redacted]"');
    expect(result.stdout).not.toContain('placeholder-for-HF_TOKEN');
  });

  it('never shows a .env value, except inside user-data.yaml written with --out', async () => {
    const dir = project(`HF_TOKEN=${CANARY}\nUNDECLARED=${CANARY}-other\n`);
    const out = path.join(dir, 'plan-out');
    const text = await runCli(['plan', '--out', out], { cwd: dir, env });
    expect(text.code, text.stderr).toBe(0);
    const json = await runCli(['plan', '--json', '--directory', dir], { env });
    expect(json.code, json.stderr).toBe(0);
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr])
      expect(output).not.toContain(CANARY);
    expect(text.stdout).toContain('HF_TOKEN');
    expect(text.stdout).toContain('user-data.yaml.gz the exact bytes sent');
    expect(text.stderr).toContain('UNDECLARED is set in .env but the template does not declare it');

    const userData = readFileSync(path.join(out, 'user-data.yaml'), 'utf8');
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
    expect(userData).toContain(`HF_TOKEN=${CANARY}`);
    expect(userData).not.toContain(`${CANARY}-other`);
    expect(statSync(path.join(out, 'user-data.yaml')).mode & 0o777).toBe(0o600);
    // The exact payload: the document gzipped (llm-api runs on Ubuntu, whose cloud-init unpacks it).
    const sent = readFileSync(path.join(out, 'user-data.yaml.gz'));
    expect(statSync(path.join(out, 'user-data.yaml.gz')).mode & 0o777).toBe(0o600);
    expect(gunzipSync(sent).toString('utf8')).toBe(userData);
    const create = readFileSync(path.join(out, 'create-request.json'), 'utf8');
    const firewall = readFileSync(path.join(out, 'firewall-request.json'), 'utf8');
    expect(create).not.toContain(CANARY);
    expect(firewall).not.toContain(CANARY);
    const body = JSON.parse(create);
    expect(body.metadata.user_data).toEqual({
      bytes: sent.length,
      base64_bytes: sent.toString('base64').length,
      sha256: createHash('sha256').update(sent).digest('hex'),
      encoding: 'gzip',
      document_bytes: Buffer.byteLength(userData),
      document_sha256: createHash('sha256').update(userData).digest('hex'),
    });
    expect(body.root_pass).toBe('[redacted]');
    expect(JSON.parse(firewall).rules.inbound_policy).toBe('DROP');

    const plan = JSON.parse(json.stdout);
    expect(plan.preview).toBe(true);
    expect(plan.deploymentId).toMatch(/^[0-9a-z]{8}$/);
    expect(plan.envNames).toContain('HF_TOKEN');
    expect(plan.steps.at(-1).id).toMatch(/app-wait-healthy$/);
    expect(plan.size.total).toBeLessThan(65_535);
  });

  it('sends plain text when told (deploy --dry-run too), and refuses an unknown encoding', async () => {
    const dir = project(`HF_TOKEN=${CANARY}\n`);
    const out = path.join(dir, 'plain-out');
    const plain = await runCli(['deploy', '--dry-run', '--json', '--user-data-encoding', 'plain'], {
      cwd: dir,
      env,
    });
    expect(plain.code, plain.stderr).toBe(0);
    const document = JSON.parse(plain.stdout);
    expect(document.size.encoding).toBe('plain');
    expect(document.size.total).toBe(document.size.document);
    expect(document.createRequest.metadata.user_data.encoding).toBeUndefined();
    const written = await runCli(['plan', '--user-data-encoding', 'plain', '--out', out], { cwd: dir, env });
    expect(written.code, written.stderr).toBe(0);
    expect(existsSync(path.join(out, 'user-data.yaml'))).toBe(true);
    expect(existsSync(path.join(out, 'user-data.yaml.gz'))).toBe(false);
    expect(written.stdout).toContain('user-data.yaml is the exact payload');
    const bad = await runCli(['plan', '--user-data-encoding', 'zip'], { cwd: dir, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--user-data-encoding must be gzip or plain, not 'zip'.");
    expect(bad.stderr).toMatch(/^Hint: .*cloud-init 24\.4/m);
  });

  it('previews a project without a value for a required variable, marking the placeholder', async () => {
    const dir = project('HF_TOKEN=\n');
    const result = await runCli(['plan'], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('HF_TOKEN*');
    expect(result.stdout).toMatch(
      /placeholder value: no value was given for HF_TOKEN; set it in \.env before deploying/,
    );
    const json = JSON.parse((await runCli(['plan', '--json'], { cwd: dir, env })).stdout);
    expect(json.placeholders).toEqual(['HF_TOKEN']);
    // deploy refuses the same project, in the same words as everywhere.
    const deploy = await runCli(['deploy', '--yes'], { cwd: dir, env });
    expect(deploy.code).toBe(1);
    expect(deploy.stderr).toContain('Error: missing required environment variable: HF_TOKEN.');
    expect(deploy.stderr).toMatch(/Hint: Set it in .*\.env \(see \.env\.example\)/);
  });

  it('plans the largest template for Ubuntu 26.04, with every source that image needs', async () => {
    const result = await runCli(
      ['plan', '--template', 'ml-pipeline', '--image', 'linode/ubuntu26.04', '--json'],
      {
        env,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.image).toBe('linode/ubuntu26.04');
    expect(plan.capabilities.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['gpu-nvidia', 'redis', 'buildwatch']),
    );
    expect(plan.size.encoding).toBe('gzip');
    expect(plan.createRequest.image).toBe('linode/ubuntu26.04');
  });

  it('refuses a capability on an image it does not support, before anything is written', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-plan-e2e-'));
    const out = path.join(dir, 'plan-out');
    const result = await runCli(
      ['plan', '--template', 'ml-pipeline', '--image', 'linode/debian12', '--out', out],
      { env },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "'gpu-nvidia' does not support image 'linode/debian12' (deploy.linode.image)",
    );
    expect(result.stderr).toContain(
      'use image linode/ubuntu22.04 or linode/ubuntu24.04 or linode/ubuntu26.04',
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });

  it('explains a directory without deploy.yml, and rejects conflicting flags with exit 2', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'lb-plan-empty-'));
    const missing = await runCli(['plan'], { cwd: empty, env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no deploy.yml');
    expect(missing.stderr).toContain('plan --template');
    const both = await runCli(['plan', '--template', 'llm-api', '--directory', empty], { env });
    expect(both.code).toBe(2);
  });

  it("keeps compiled code in Node's compile cache under the user's cache directory (Node 22.1+)", async () => {
    const { home, env: own } = tempHome();
    const cacheRoot = path.join(home, '.cache/linode-build/compile-cache');
    const shape = (stdout: string) => {
      const plan = JSON.parse(stdout);
      return [plan.capabilities, plan.packages, plan.steps, plan.ports, plan.envNames, plan.size.document];
    };
    const first = await runCli(['plan', '--template', 'ml-pipeline', '--json'], { env: own });
    expect(first.code, first.stderr).toBe(0);
    if (typeof (module as { enableCompileCache?: unknown }).enableCompileCache !== 'function') {
      // Node 20: no compile cache, nothing written, the CLI works the same.
      expect(existsSync(cacheRoot)).toBe(false);
      return;
    }
    // One directory per Node version and CPU (Node's own layout), with the modules plan loaded.
    const versions = readdirSync(cacheRoot);
    expect(versions).toEqual([expect.stringMatching(new RegExp(`^${process.version}-${process.arch}-`))]);
    expect(readdirSync(path.join(cacheRoot, versions[0]!)).length).toBeGreaterThan(3);
    // The next run compiles from the cache and plans the same.
    const second = await runCli(['plan', '--template', 'ml-pipeline', '--json'], { env: own });
    expect(second.code, second.stderr).toBe(0);
    expect(shape(second.stdout)).toEqual(shape(first.stdout));
    // LINODE_BUILD_HOME redirects it with the rest of the state.
    const state = mkdtempSync(path.join(os.tmpdir(), 'lb-plan-state-'));
    const redirected = await runCli(['--help'], { env: { ...own, LINODE_BUILD_HOME: state } });
    expect(redirected.code, redirected.stderr).toBe(0);
    expect(readdirSync(path.join(state, 'cache/compile-cache'))).toHaveLength(1);
  });

  it('loads neither Ink nor the Linode client (static imports of the built plan chunk)', () => {
    const chunks = path.join(repoRoot, 'dist/chunks');
    const planChunk = readdirSync(chunks).find((name) => /^plan-command-[A-Z0-9]+\.js$/.test(name));
    expect(planChunk, 'dist has no plan chunk: run npm run build').toBeDefined();
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/^import\s[^;]*?from\s*"(\.[^"]+)"|^import\s*"(\.[^"]+)"/gms)) {
        const next = path.resolve(path.dirname(file), match[1] ?? match[2]!);
        if (existsSync(next)) visit(next);
      }
    };
    visit(path.join(chunks, planChunk!));
    expect(seen.size).toBeGreaterThan(1);
    // esbuild marks bundled modules with their node_modules path in a comment.
    const all = [...seen].map((file) => readFileSync(file, 'utf8')).join('\n');
    expect(all).not.toContain('node_modules/ink/');
    expect(all).not.toContain('node_modules/react/');
    expect(all).not.toContain('node_modules/@linode/api-v4/');
    expect(all).toContain('node_modules/yaml/');
  });

  it('has help with examples', async () => {
    const help = await runCli(['plan', '--help'], { env });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('linode-build plan --template llm-api');
    expect(help.stdout).toContain('--out');
  });
});
