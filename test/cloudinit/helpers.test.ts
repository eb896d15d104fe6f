/**
 * The on-instance helpers run for real: retry (backoff, attempt counter, failure status) and
 * run-script (shebang honoured, bash without one, app env exported exactly, never sourced).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runnerFiles } from '../../src/cloudinit/runner.js';
import { renderEnvFile } from '../../src/env/envfile.js';
import { toolsAvailable } from '../support/tools.js';

function helper(name: string): string {
  const file = runnerFiles().find((f) => f.path.endsWith(`/${name}`));
  if (!file) throw new Error(`no helper ${name}`);
  return file.content;
}

describe.runIf(toolsAvailable('bash'))('on-instance helpers', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-helpers-'));

  it('retry runs until success, counting attempts, and returns the last failure', () => {
    writeFileSync(path.join(dir, 'retry.sh'), helper('retry.sh'));
    const script = `
      . "$1"
      n=0
      flaky() { n=$((n + 1)); echo "try $RETRY_ATTEMPT"; [ "$n" -ge 3 ]; }
      retry flaky 5 0 flaky; echo "ok=$? n=$n"
      retry never 2 0 sh -c 'exit 7'; echo "status=$?"
    `;
    const result = spawnSync('bash', ['-c', script, 'bash', path.join(dir, 'retry.sh')], {
      encoding: 'utf8',
    });
    expect(result.stdout).toBe('try 1\ntry 2\ntry 3\nok=0 n=3\nstatus=7\n');
    expect(result.stderr).toContain('flaky: attempt 1 failed (exit 1); retrying in 0s');
    expect(result.stderr).toContain('never: failed 2 times (exit 7)');
  });

  it('run-script honours the shebang, defaults to bash, and exports the app env exactly', () => {
    const etc = path.join(dir, 'etc');
    spawnSync('mkdir', ['-p', etc]);
    const tricky = `it's "q" $(touch ${dir}/pwned) \`x\` %h #c a=b é`;
    writeFileSync(path.join(etc, 'app.env'), renderEnvFile({ TRICKY: tricky, PLAIN: 'v' }));
    const runScript = path.join(dir, 'run-script');
    writeFileSync(runScript, helper('run-script'));
    chmodSync(runScript, 0o755);
    const withShebang = path.join(dir, 'hook-sh');
    writeFileSync(withShebang, '#!/bin/sh\nprintf "%s|%s" "$0" "$TRICKY"\n');
    chmodSync(withShebang, 0o700);
    const without = path.join(dir, 'hook-plain');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell script, not a JS template.
    writeFileSync(without, 'printf "%s|%s" "${BASH_VERSION:+bash}" "$PLAIN"\n');
    const env = { PATH: process.env.PATH, LINODE_BUILD_ETC: etc };
    const first = spawnSync(runScript, [withShebang], { encoding: 'utf8', env });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toBe(`${withShebang}|${tricky}`);
    const second = spawnSync(runScript, [without], { encoding: 'utf8', env });
    expect(second.stdout).toBe('bash|v');
    expect(spawnSync('test', ['-e', path.join(dir, 'pwned')]).status).toBe(1);
  });
});
