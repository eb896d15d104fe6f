/**
 * A replaced replica's host-key pin goes (its new machine has a new key, which the next
 * connection pins), and only that pin: plain and hashed entries as the real ssh-keygen writes
 * and finds them, other aliases untouched, the file 0600 and never written through a link.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { forgetHostKey, knownHostsPath, pinsHost } from '../../src/ssh/known-hosts.js';
import { toolsAvailable } from '../support/tools.js';

function home() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-forget-'));
  return { HOME: dir, XDG_CONFIG_HOME: path.join(dir, '.config') } as NodeJS.ProcessEnv;
}

/** A real ed25519 public key line (without host), made by ssh-keygen. */
function publicKey(dir: string, name: string): string {
  const file = path.join(dir, name);
  const made = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
  return readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

/** What ssh-keygen -F finds for `host` in `file` (its own matching, hashed or not). */
function found(host: string, file: string): boolean {
  return spawnSync('ssh-keygen', ['-F', host, '-f', file], { encoding: 'utf8' }).status === 0;
}

describe.skipIf(!toolsAvailable('ssh-keygen'))('forgetHostKey', () => {
  it('drops plain and hashed pins of the alias, and nothing else', async () => {
    const env = home();
    const file = knownHostsPath(env);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const [one, two, three] = ['k1', 'k2', 'k3'].map((name) => publicKey(env.HOME!, name));
    writeFileSync(
      file,
      [
        `linode-build-abcd1234-r1 ${one}`,
        `linode-build-abcd1234-r2 ${two}`,
        `linode-build-abcd1234-r22 ${three}`,
        `[linode-build-abcd1234-r2]:2222 ${two}`,
        '# linode-build-abcd1234-r2 a comment stays',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    expect(await forgetHostKey(env, 'linode-build-abcd1234-r2')).toBe(2);
    expect(found('linode-build-abcd1234-r2', file)).toBe(false);
    expect(found('linode-build-abcd1234-r1', file)).toBe(true);
    expect(found('linode-build-abcd1234-r22', file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('# linode-build-abcd1234-r2 a comment stays');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    // Hashed by ssh-keygen -H (HashKnownHosts): found by HMAC, not by name.
    writeFileSync(file, `linode-build-abcd1234-r2 ${two}\nlinode-build-abcd1234-r3 ${three}\n`, {
      mode: 0o600,
    });
    const hashed = spawnSync('ssh-keygen', ['-H', '-f', file], { encoding: 'utf8' });
    expect(hashed.status, hashed.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toContain('linode-build-abcd1234');
    expect(found('linode-build-abcd1234-r2', file)).toBe(true);
    expect(await forgetHostKey(env, 'linode-build-abcd1234-r2')).toBe(1);
    expect(found('linode-build-abcd1234-r2', file)).toBe(false);
    expect(found('linode-build-abcd1234-r3', file)).toBe(true);
    expect(await forgetHostKey(env, 'linode-build-abcd1234-r2')).toBe(0);
  });

  it('does nothing without a file, and refuses to write through a link', async () => {
    const env = home();
    expect(await forgetHostKey(env, 'linode-build-x-r1')).toBe(0);
    const file = knownHostsPath(env);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const target = path.join(env.HOME!, 'elsewhere');
    writeFileSync(target, 'linode-build-x-r1 ssh-ed25519 AAAA\n', { mode: 0o644 });
    symlinkSync(target, file);
    await expect(forgetHostKey(env, 'linode-build-x-r1')).rejects.toThrow('symbolic link');
    expect(readFileSync(target, 'utf8')).toBe('linode-build-x-r1 ssh-ed25519 AAAA\n');
  });

  it('never matches a marker or a comment line', () => {
    expect(pinsHost('@revoked linode-build-x-r1 ssh-ed25519 AAAA', 'linode-build-x-r1')).toBe(false);
    expect(pinsHost('#linode-build-x-r1 ssh-ed25519 AAAA', 'linode-build-x-r1')).toBe(false);
    expect(pinsHost('a,linode-build-x-r1 ssh-ed25519 AAAA', 'linode-build-x-r1')).toBe(true);
  });
});
