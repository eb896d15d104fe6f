import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import { readSecret, removeSecrets, secretPath, writeSecret } from '../../src/state/secrets.js';

function env(): { env: NodeJS.ProcessEnv; dir: string } {
  // LINODE_BUILD_HOME=root keeps secrets in root/state/secrets.
  const root = mkdtempSync(path.join(os.tmpdir(), 'lb-sec-'));
  return { env: { LINODE_BUILD_HOME: root }, dir: path.join(root, 'state') };
}

describe('secrets', () => {
  it('writes 0600 files in 0700 directories, reads them back and removes them', async () => {
    const { env: e, dir } = env();
    await writeSecret(e, 'abcd1234', 'root-password', 'canary-s3cret');
    await writeSecret(e, 'abcd1234', 'watcher-token', 'tok');
    const file = secretPath(e, 'abcd1234', 'root-password');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'secrets')).mode & 0o777).toBe(0o700);
    expect(await readSecret(e, 'abcd1234', 'root-password')).toBe('canary-s3cret');
    expect(await readSecret(e, 'abcd1234', 'missing')).toBeUndefined();
    expect(readdirSync(path.dirname(file)).sort()).toEqual(['root-password', 'watcher-token']);
    await removeSecrets(e, 'abcd1234');
    await removeSecrets(e, 'abcd1234');
    expect(existsSync(path.dirname(file))).toBe(false);
  });

  it('keeps 0600 even under a permissive umask', async () => {
    const { env: e } = env();
    const previous = process.umask(0);
    try {
      await writeSecret(e, 'umask000', 'token', 'x');
    } finally {
      process.umask(previous);
    }
    expect(statSync(secretPath(e, 'umask000', 'token')).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['../etc', 'x'],
    ['..', 'x'],
    ['a/b', 'x'],
    ['', 'x'],
    ['ok', '../../registry.json'],
    ['ok', '..'],
    ['ok', 'a/b'],
    ['ok', '.hidden'],
    ['ok', 'a..b'],
    ['ok', ''],
  ])('refuses traversal or odd names: id %j name %j', async (id, name) => {
    const { env: e, dir } = env();
    await expect(writeSecret(e, id, name, 'v')).rejects.toBeInstanceOf(CliError);
    await expect(readSecret(e, id, name)).rejects.toBeInstanceOf(CliError);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses a traversing id on removal too', async () => {
    const { env: e } = env();
    await expect(removeSecrets(e, '../..')).rejects.toBeInstanceOf(CliError);
  });
});
