/**
 * The file that decides which host keys ssh trusts is never followed through a symlink: a
 * link planted at its path (pointing at a file another user controls) is refused, and the
 * target is left untouched.
 */
import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureKnownHosts, knownHostsPath } from '../../src/ssh/known-hosts.js';

function home() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-known-hosts-'));
  return { HOME: dir, XDG_CONFIG_HOME: path.join(dir, '.config') } as NodeJS.ProcessEnv;
}

describe('known_hosts', () => {
  it('is created 0600, and a loosened mode is tightened', async () => {
    const env = home();
    const file = await ensureKnownHosts(env);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, 'linode-build-x ssh-ed25519 AAAA\n', { mode: 0o666 });
    (await import('node:fs')).chmodSync(file, 0o666);
    await ensureKnownHosts(env);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('linode-build-x ssh-ed25519 AAAA\n');
  });

  it('refuses a symlink planted at its path and leaves the target alone', async () => {
    const env = home();
    const file = knownHostsPath(env);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const target = path.join(env.HOME!, 'attacker-known-hosts');
    writeFileSync(target, 'attacker', { mode: 0o644 });
    symlinkSync(target, file);
    await expect(ensureKnownHosts(env)).rejects.toThrow('is a symbolic link');
    expect(statSync(target).mode & 0o777).toBe(0o644);
    expect(readFileSync(target, 'utf8')).toBe('attacker');
  });
});
