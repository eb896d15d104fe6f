/**
 * The in-place update program (src/update/script.ts + update-app.sh) as bash runs it: every
 * file arrives byte-exact with its mode, whatever it contains (the heredoc end marker itself,
 * quotes, `$(…)`, no trailing newline), nothing in it is ever executed, and the whole program
 * passes shellcheck.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CloudFile } from '../../src/cloudinit/types.js';
import { appUpdateScript } from '../../src/update/script.js';
import { toolsAvailable } from '../support/tools.js';

function file(filePath: string, content: string, permissions = '0600'): CloudFile {
  return { path: filePath, content, permissions, owner: `${os.userInfo().username}:`, part: 'app' };
}

/** Runs the program up to the swap (no restart: that needs the instance's units). */
function stageAndSwap(files: readonly CloudFile[]) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lb-update-'));
  const program = appUpdateScript(files, { LB_ROOT: root }).replace(
    /apply_update <\/dev\/null\n$/,
    'swap_in\n',
  );
  const result = spawnSync('bash', ['-s'], { input: program, encoding: 'utf8' });
  return { root, result };
}

describe.runIf(toolsAvailable('bash'))('the in-place update program', () => {
  it('delivers every file byte-exact with its mode, and executes none of it (property)', () => {
    rmSync('/tmp/lb-pwned', { force: true });
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ unit: 'binary' }),
            fc.constantFrom(
              'LB-END-OF-FILE',
              'LB-END-OF-FILE\n',
              '$(touch /tmp/lb-pwned) `id` \'q\' "dq"',
              '',
            ),
          ),
          { minLength: 1, maxLength: 4 },
        ),
        (contents) => {
          const files = contents.map((content, index) =>
            file(`/etc/linode-build/f${index}`, content, index % 2 ? '0644' : '0600'),
          );
          const { root, result } = stageAndSwap(files);
          expect(result.status, result.stderr).toBe(0);
          files.forEach((planned) => {
            const written = path.join(root, planned.path);
            expect(readFileSync(written, 'utf8')).toBe(planned.content);
            expect((statSync(written).mode & 0o777).toString(8).padStart(4, '0')).toBe(planned.permissions);
          });
        },
      ),
      { numRuns: 40 },
    );
    expect(existsSync('/tmp/lb-pwned')).toBe(false);
  });

  it('keeps the previous version of each file (and notes the new ones) for a rollback', () => {
    const { root, result } = stageAndSwap([file('/etc/linode-build/app.env', 'A=1\n')]);
    expect(result.status, result.stderr).toBe(0);
    const again = spawnSync('bash', ['-s'], {
      input: appUpdateScript([file('/etc/linode-build/app.env', 'A=2\n')], { LB_ROOT: root }).replace(
        /apply_update <\/dev\/null\n$/,
        'swap_in\nrestore_previous\n',
      ),
      encoding: 'utf8',
    });
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(path.join(root, 'etc/linode-build/app.env'), 'utf8')).toBe('A=1\n');
  });

  it.runIf(toolsAvailable('shellcheck'))('passes shellcheck as the whole program ssh sends', () => {
    const program = appUpdateScript(
      [file('/etc/linode-build/app.env', 'SECRET=$(id)\n'), file('/app/main.py', 'print("hi")\n', '0644')],
      { LB_ROOT: '/tmp/x' },
    );
    const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], {
      input: program,
      encoding: 'utf8',
    });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });
});
