/**
 * An unusable state directory is the user's to fix, not "unexpected failure … report it": one
 * line naming the path and why, one hint naming the variables that move linode-build's files.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { binPath, nodeArgs, repoRoot, runCli, tempHome } from '../support/cli.js';

const template = path.join(repoRoot, 'templates/llm-api');

function expectOneErrorAndHint(stderr: string): void {
  expect(stderr).not.toContain('unexpected failure');
  expect(stderr).not.toContain('report it');
  expect(stderr).toMatch(/^Error: [^\n]+\nHint: [^\n]+\n$/);
}

describe('an unusable state directory', () => {
  it('names the path and LINODE_BUILD_HOME when a file sits where the directory belongs', async () => {
    const { home, env } = tempHome();
    writeFileSync(path.join(home, 'not-a-directory'), '');
    const state = path.join(home, 'not-a-directory', 'state');
    const result = await runCli(['templates', 'install', template], {
      env: { ...env, LINODE_BUILD_HOME: state },
    });
    expect(result.code).toBe(1);
    expectOneErrorAndHint(result.stderr);
    // LINODE_BUILD_HOME=DIR puts installed templates in DIR/config.
    expect(result.stderr).toContain(`cannot use linode-build's files in ${path.join(state, 'config')}: `);
    expect(result.stderr).toContain('ENOTDIR');
    // LINODE_BUILD_HOME put it there, so that is what moves it.
    expect(result.stderr).toMatch(/^Hint: .*LINODE_BUILD_HOME=DIR moves all of them\.$/m);
  });

  it('says permission denied for a config directory the user cannot write', () => {
    const { home, env } = tempHome();
    const config = path.join(home, '.config');
    mkdirSync(config, { recursive: true });
    // Root writes anywhere: as root, run the CLI as nobody (util-linux's setpriv), for whom
    // root's 0755 directories are read-only; otherwise take the write bit away.
    const asRoot = process.getuid?.() === 0;
    chmodSync(home, 0o755);
    chmodSync(config, asRoot ? 0o755 : 0o500);
    const command = [process.execPath, ...nodeArgs, binPath, 'templates', 'install', template];
    const result = asRoot
      ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...command], {
          env: { ...process.env, ...env },
          encoding: 'utf8',
        })
      : spawnSync(command[0]!, command.slice(1), { env: { ...process.env, ...env }, encoding: 'utf8' });
    chmodSync(config, 0o700);
    expect(result.error).toBeUndefined();
    expect(result.status, result.stderr).toBe(1);
    expectOneErrorAndHint(result.stderr);
    expect(result.stderr).toContain(
      `cannot use linode-build's files in ${path.join(config, 'linode-build')}`,
    );
    expect(result.stderr).toContain('EACCES: permission denied');
    // The config directory is under XDG_CONFIG_HOME (tempHome sets it): the hint names it.
    expect(result.stderr).toMatch(
      /^Hint: .*LINODE_BUILD_HOME=DIR moves all of them; XDG_CONFIG_HOME moves this one\.$/m,
    );
  });

  it('names XDG_STATE_HOME for the state directory (moving old files there that it cannot create)', async () => {
    const { home, env } = tempHome();
    // Files in the pre-XDG layout, and a file where ~/.local/state belongs.
    const legacy = path.join(home, '.config/linode-cli.d/build');
    mkdirSync(legacy, { recursive: true });
    writeFileSync(path.join(legacy, 'registry.json'), '{"version":1,"deployments":[]}\n', { mode: 0o600 });
    mkdirSync(path.join(home, '.local'));
    writeFileSync(path.join(home, '.local/state'), '');
    const result = await runCli(['completion', '--values', 'deployment'], { env });
    expect(result.code).toBe(1);
    expectOneErrorAndHint(result.stderr);
    expect(result.stderr).toContain(
      `cannot use linode-build's files in ${path.join(home, '.local/state/linode-build')}: `,
    );
    expect(result.stderr).toMatch(
      /^Hint: .*LINODE_BUILD_HOME=DIR moves all of them; XDG_STATE_HOME moves this one\.$/m,
    );
    // Nothing was lost: the registry is still at its old place.
    expect(readFileSync(path.join(legacy, 'registry.json'), 'utf8')).toBe('{"version":1,"deployments":[]}\n');
  });

  it('names any other unusable path without the state hint', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-access-'));
    writeFileSync(path.join(dir, 'file'), '');
    const out = path.join(dir, 'file', 'out');
    const result = await runCli(['plan', '--template', 'llm-api', '--out', out], { env: tempHome().env });
    expect(result.code).toBe(1);
    expectOneErrorAndHint(result.stderr);
    expect(result.stderr).toContain(`Error: cannot use ${out} (ENOTDIR`);
    expect(result.stderr).not.toContain('LINODE_BUILD_HOME');
  });
});
