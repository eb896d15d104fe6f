/** Behaviour every command shares, through the built binary. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { binPath, runCli, tempHome } from '../support/cli.js';

describe('the linode-build binary', () => {
  it('lists every command with examples in --help, and exits 0', async () => {
    const result = await runCli(['--help'], { env: tempHome().env });
    expect(result.code).toBe(0);
    for (const command of ['init', 'plan', 'deploy', 'status', 'logs', 'ssh', 'destroy', 'reap', 'tui']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    expect(result.stdout).toContain('Examples:');
  });

  it('exits quietly when the reader closes the pipe early', () => {
    // `true` exits without reading, so every write of the CLI meets a closed pipe (EPIPE).
    const result = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${binPath}" plan --template ml-pipeline | true; echo "status=\${PIPESTATUS[0]}"`,
      ],
      { encoding: 'utf8', env: { ...process.env, ...tempHome().env } },
    );
    expect(result.stdout.trim()).toBe('status=0');
    expect(result.stderr).not.toContain('EPIPE');
    expect(result.stderr).not.toContain('Error');
  });
});
