/** Behaviour every command shares, through the built binary. */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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

  it('refuses an unknown command or subcommand at every level with a suggestion, exit 2', async () => {
    const { env } = tempHome();
    const cases: [string[], string][] = [
      [['deplyo'], "unknown command 'deplyo' (did you mean 'deploy'?)."],
      [['templates', 'lst'], "unknown command 'templates lst' (did you mean 'templates list'?)."],
      [
        ['templates', 'shwo', 'llm-api'],
        "unknown command 'templates shwo' (did you mean 'templates show'?).",
      ],
      [['plan', '--regoin', 'us-ord'], "unknown option '--regoin' for 'plan' (did you mean '--region'?)."],
    ];
    for (const [argv, message] of cases) {
      const result = await runCli(argv, { env });
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        new RegExp(`^Error: ${message.replace(/[.()?'-]/g, '\\$&')}\nHint: Run 'linode-build [a-z ]*--help'`),
      );
    }
    // A group alone is not a mistake: its help, exit 0.
    const group = await runCli(['templates'], { env });
    expect(group.code).toBe(0);
    expect(group.stdout).toContain('templates list');
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

  it('validates a capability config with its generated Ajv validator', async () => {
    const { home, env } = tempHome();
    const project = path.join(home, 'project');
    expect((await runCli(['init', 'embeddings-python', '--directory', project], { env })).code).toBe(0);
    const deployFile = path.join(project, 'deploy.yml');
    const text = readFileSync(deployFile, 'utf8').replace(
      /^ {2}runtime: docker$/m,
      '  runtime: docker\n  features:\n    - name: buildwatch\n      config:\n        port: "x"',
    );
    writeFileSync(deployFile, text);
    const result = await runCli(['plan'], { cwd: project, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('must be an integer, got "x" (capabilities.features[0].config.port)');
    expect(result.stderr).toContain('docs/capabilities.md');
  });
});
