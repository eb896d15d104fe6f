/**
 * `templates scaffold --llm-assist` with the built CLI: writes llm-instructions.md next to a
 * stub that `templates validate` accepts as written; without the flag nothing changes.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { capabilityNames } from '../../src/capability/set.js';
import { startInTerminal } from '../reap/terminal.js';
import { runCli, tempHome } from '../support/cli.js';
import { toolsAvailable } from '../support/tools.js';

describe('templates scaffold --llm-assist', () => {
  it('writes instructions covering every capability next to a stub that validates', async () => {
    const { env } = tempHome();
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'lb-llm-'));
    const scaffold = await runCli(
      [
        'templates',
        'scaffold',
        'rag-api',
        '--llm-assist',
        '--service-description',
        'Answers questions over our docs',
        '--dependencies',
        'redis, postgres, node, python',
        '--gpu',
        '--yes',
      ],
      { cwd, env },
    );
    expect(scaffold.stderr).toBe('');
    expect(scaffold.code).toBe(0);
    expect(scaffold.stdout).toContain('llm-instructions.md');
    const text = readFileSync(path.join(cwd, 'rag-api/llm-instructions.md'), 'utf8');
    for (const name of capabilityNames()) expect(text, name).toContain(`#### ${name}\n`);
    for (const [dependency, capability] of [
      ['redis', 'redis'],
      ['postgres', 'postgresql-16'],
      ['node', 'nodejs-22'],
      ['python', 'python-3.12'],
    ]) {
      expect(text).toContain(`| ${dependency} | \`${capability}\` |`);
    }
    expect(text).toContain('| What the service does | Answers questions over our docs |');
    expect(text).toContain('linode-build templates validate rag-api');

    const validate = await runCli(['templates', 'validate', 'rag-api'], { cwd, env });
    expect(validate.stderr).toBe('');
    expect(validate.code).toBe(0);
  });

  it('without --llm-assist writes exactly the files it always did', async () => {
    const { env } = tempHome();
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'lb-llm-'));
    const scaffold = await runCli(['templates', 'scaffold', 'plain', '--yes'], { cwd, env });
    expect(scaffold.code).toBe(0);
    expect(existsSync(path.join(cwd, 'plain/template.yml'))).toBe(true);
    expect(existsSync(path.join(cwd, 'plain/llm-instructions.md'))).toBe(false);
    expect(scaffold.stdout).not.toContain('llm-instructions');
  });
});

describe.skipIf(!toolsAvailable('tmux'))('templates scaffold --llm-assist on a terminal', () => {
  it('also asks what the service does and what it depends on', async () => {
    const { home, env } = tempHome();
    const terminal = startInTerminal(
      ['templates', 'scaffold', 'tty-rag', '--llm-assist', '--image', 'ghcr.io/acme/rag:1'],
      env,
      home,
    );
    try {
      const answers: [string, string][] = [
        ['Display name [Tty Rag]:', ''],
        ['Description', ''],
        ['Runtime (docker/native) [docker]:', ''],
        ['NVIDIA GPU plan? (y/N)', ''],
        ['Port inside the container [8000]:', ''],
        ['Published port [80]:', ''],
        ['Health check path [/health]:', ''],
        ['What does the service do', 'Search over PDFs'],
        ['Dependencies (e.g. redis, postgres, python)', 'postgres, redis'],
      ];
      for (const [prompt, reply] of answers) {
        await terminal.waitFor(prompt);
        terminal.send(reply);
      }
      await terminal.waitFor('exit=0');
    } finally {
      terminal.close();
    }
    const text = readFileSync(path.join(home, 'tty-rag/llm-instructions.md'), 'utf8');
    expect(text).toContain('| What the service does | Search over PDFs |');
    expect(text).toContain('| postgres | `postgresql-16` |');
    expect(text).toContain('| redis | `redis` |');
  });
});
