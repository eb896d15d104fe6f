/**
 * Attack: make linode-build put secrets where someone else can read them. `plan --out DIR`
 * writes user-data.yaml, which holds the `.env` values. A file already there with mode 0666
 * (made by another user in a shared directory, or by a careless umask) must not keep that
 * mode once the secrets are in it, and a symlink planted at the name must not redirect the
 * secrets to its target. The same writer (src/state/atomic.ts) writes the per-deployment
 * secret files.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { secretPath, writeSecret } from '../../src/state/secrets.js';
import { repoRoot, runCli, tempHome } from '../support/cli.js';

const CANARY = 'hf_CANARY_out_3Zq8';
const SECRET_FILES = ['user-data.yaml', 'user-data.yaml.gz'];

function project(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-security-out-'));
  copyFileSync(path.join(repoRoot, 'templates/llm-api/template.yml'), path.join(dir, 'deploy.yml'));
  writeFileSync(path.join(dir, '.env'), `HF_TOKEN=${CANARY}\n`);
  return dir;
}

describe('plan --out against planted files', () => {
  const { env } = tempHome();

  it.each(SECRET_FILES)('replaces an existing 0666 %s with a new 0600 file', async (name) => {
    const dir = project();
    const out = path.join(dir, 'out');
    mkdirSync(out);
    const planted = path.join(out, name);
    writeFileSync(planted, 'old content\n');
    chmodSync(planted, 0o666);
    const inode = statSync(planted).ino;

    const result = await runCli(['plan', '--out', out], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    const stats = statSync(planted);
    expect(stats.mode & 0o777).toBe(0o600);
    expect(stats.ino).not.toBe(inode);
    if (name === 'user-data.yaml') expect(readFileSync(planted, 'utf8')).toContain(CANARY);
    // No temp file is left behind.
    expect(readdirSync(out).filter((file) => file.endsWith('.tmp'))).toEqual([]);
  });

  it.each(SECRET_FILES)('refuses a symlink at %s and writes nothing through it', async (name) => {
    const dir = project();
    const out = path.join(dir, 'out');
    mkdirSync(out);
    const victim = path.join(dir, 'victim.txt');
    writeFileSync(victim, 'victim\n');
    chmodSync(victim, 0o644);
    symlinkSync(victim, path.join(out, name));

    const result = await runCli(['plan', '--out', out], { cwd: dir, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`refusing to write ${path.join(out, name)}: it is a symbolic link`);
    expect(result.stderr).toMatch(/Hint: Remove the link/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(victim, 'utf8')).toBe('victim\n');
    expect(statSync(victim).mode & 0o777).toBe(0o644);
    expect(lstatSync(path.join(out, name)).isSymbolicLink()).toBe(true);
    for (const output of [result.stdout, result.stderr]) expect(output).not.toContain(CANARY);
  });

  it('refuses a dangling symlink (which would create the file at its target)', async () => {
    const dir = project();
    const out = path.join(dir, 'out');
    mkdirSync(out);
    const target = path.join(dir, 'created-by-the-link.yaml');
    symlinkSync(target, path.join(out, 'user-data.yaml'));
    const result = await runCli(['plan', '--out', out], { cwd: dir, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is a symbolic link');
    expect(existsSync(target)).toBe(false);
  });

  it('creates a missing --out directory 0700', async () => {
    const dir = project();
    const out = path.join(dir, 'new', 'out');
    const result = await runCli(['plan', '--out', out], { cwd: dir, env });
    expect(result.code, result.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(out, 'user-data.yaml')).mode & 0o777).toBe(0o600);
  });
});

describe('secret files against planted files', () => {
  function stateEnv(): NodeJS.ProcessEnv {
    return {
      LINODE_BUILD_HOME: path.join(mkdtempSync(path.join(os.tmpdir(), 'lb-security-state-')), 'state'),
    };
  }

  it('replaces a loosened 0666 secret file with a new 0600 one', async () => {
    const env = stateEnv();
    await writeSecret(env, 'abcd1234', 'watcher-token', 'first');
    const file = secretPath(env, 'abcd1234', 'watcher-token');
    chmodSync(file, 0o666);
    await writeSecret(env, 'abcd1234', 'watcher-token', 'second');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('second');
  });

  it('refuses a symlink planted at a secret name', async () => {
    const env = stateEnv();
    const file = secretPath(env, 'abcd1234', 'root-password');
    mkdirSync(path.dirname(file), { recursive: true });
    const victim = path.join(path.dirname(path.dirname(file)), 'victim');
    writeFileSync(victim, 'victim');
    symlinkSync(victim, file);
    await expect(writeSecret(env, 'abcd1234', 'root-password', 'pw')).rejects.toThrow(CliError);
    expect(readFileSync(victim, 'utf8')).toBe('victim');
  });
});
