/**
 * `--env-file` belongs to linode-build, not to Node: Node scans its whole command line for
 * `--env-file` and exits 9 ("node: nope.env: not found") on a missing file, even after the
 * script path. These run bin/linode-build.js through its own shebang, the way a user's shell
 * runs it, so the shebang's `--` is what is under test.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { binPath, repoRoot, tempHome } from '../support/cli.js';

function runThroughShebang(args: readonly string[], cwd: string, env: Record<string, string>) {
  const result = spawnSync(binPath, args, {
    cwd,
    encoding: 'utf8',
    // The shebang finds `node` on PATH: the Node running the tests.
    env: { ...env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('--env-file reaches the CLI', () => {
  const { env } = tempHome();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-env-file-'));
  copyFileSync(path.join(repoRoot, 'templates/llm-api/template.yml'), path.join(dir, 'deploy.yml'));

  for (const args of [
    ['plan', '--env-file', 'nope.env'],
    ['plan', '--env-file=nope.env'],
    ['deploy', '--yes', '--env-file', 'nope.env'],
    ['deploy', '--dry-run', '--env-file', 'nope.env'],
  ]) {
    it(`${args.join(' ')}: the tool's own error, exit 1`, () => {
      const result = runThroughShebang(args, dir, env);
      expect(result.stderr).not.toMatch(/^node:/m);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toBe(
        `Error: env file ${path.join(dir, 'nope.env')} not found.\nHint: Check the path given with --env-file.\n`,
      );
    });
  }

  it('plan --env-file FILE reads that file (Node does not load it into the process)', () => {
    writeFileSync(path.join(dir, 'other.env'), 'HF_TOKEN=hf_from_other_file\n');
    const result = runThroughShebang(['plan', '--env-file', 'other.env', '--json'], dir, env);
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as {
      envNames: readonly string[];
      placeholders: readonly string[];
    };
    expect(result.stdout).not.toContain('hf_from_other_file');
    expect(plan.envNames).toContain('HF_TOKEN');
    expect(plan.placeholders).toEqual([]);
  });

  it('applies the .env rules of docs/plan.md: an unclosed quote and a multi-line value are refused by name', () => {
    writeFileSync(path.join(dir, 'unclosed.env'), 'HF_TOKEN="hf_canary_unclosed\n');
    writeFileSync(path.join(dir, 'multi.env'), 'HF_TOKEN="hf_canary_line1\nhf_canary_line2"\n');
    for (const command of [['plan'], ['deploy', '--dry-run']]) {
      const unclosed = runThroughShebang([...command, '--env-file', 'unclosed.env'], dir, env);
      expect(unclosed.code).toBe(1);
      expect(unclosed.stderr).toBe(
        'Error: the .env value of HF_TOKEN opens a " quote on line 1 that is never closed.\n' +
          'Hint: Close the quote at the end of the value, or remove it.\n',
      );
      const multi = runThroughShebang([...command, '--env-file', 'multi.env'], dir, env);
      expect(multi.code).toBe(1);
      expect(multi.stderr).toMatch(/^Error: environment variable HF_TOKEN contains a line break/);
      for (const output of [unclosed.stdout, unclosed.stderr, multi.stdout, multi.stderr])
        expect(output).not.toContain('hf_canary');
    }
  });
});
