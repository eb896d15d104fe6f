/**
 * `templates boot-test` refusals through the built binary: anywhere the command cannot boot a
 * guest it says what is missing in one line (exit 1) and starts nothing. The real boots are in
 * test/boot/boot-test-command.test.ts.
 */

import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { bootPrerequisiteProblem, capabilitiesThatCannotRun } from '../../src/boottest/session.js';
import { runCli, tempHome } from '../support/cli.js';

describe('templates boot-test refuses where it cannot boot', () => {
  test('without the tools it needs: one line naming them, exit 1', async () => {
    const { env } = tempHome();
    const empty = mkdtempSync(path.join(os.tmpdir(), 'lb-empty-path-'));
    const result = await runCli(['templates', 'boot-test'], {
      env: { ...env, PATH: empty },
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      process.getuid?.() === 0
        ? /^Error: boot tests need systemd-nspawn, debootstrap, nsenter, socat/
        : /needs? root/,
    );
    expect(result.stdout).toBe('');
  });

  test('not Linux, not root: one reason each', async () => {
    expect(await bootPrerequisiteProblem('darwin', 0)).toMatch(/need Linux .* this is darwin$/);
    expect(await bootPrerequisiteProblem('linux', 1000)).toMatch(/need root .*sudo$/);
  });

  test('--prune-cache deletes the cache and says how much it freed', async () => {
    const { env, home } = tempHome();
    const result = await runCli(['templates', 'boot-test', '--prune-cache'], {
      env: { ...env, XDG_CACHE_HOME: path.join(home, 'cache') },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Deleted the boot-test cache .*linode-build\/boot \(0 MB\)\.$/m);
  });

  test('gpu-nvidia cannot run without an NVIDIA device: named with the reason, nothing else', () => {
    const cannot = capabilitiesThatCannotRun(['docker', 'gpu-nvidia', 'buildwatch']);
    if (existsSync('/dev/nvidia0')) expect(cannot).toEqual({});
    else expect(cannot).toEqual({ 'gpu-nvidia': 'no NVIDIA GPU on this machine' });
    expect(capabilitiesThatCannotRun(['docker', 'redis'])).toEqual({});
  });
});
