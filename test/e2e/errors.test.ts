/**
 * One voice for every command, walked from the command specs themselves (so a new command or
 * option is covered without editing this file), through the built binary: each usage mistake
 * is exit 2 with exactly one `Error:` line and one `Hint:` line, nothing on stdout; --help is
 * exit 0; and the commands that act on one deployment agree on what "no id" means.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import type { OptionSpec, PositionalSpec } from '../../src/cli/framework/command.js';
import { errorSentence } from '../../src/cli/framework/output.js';
import { type CliResult, runCli, tempHome } from '../support/cli.js';

const { env } = tempHome();
// No project here, no token anywhere: every refusal below must come before either matters.
const cwd = mkdtempSync(path.join(os.tmpdir(), 'lb-errors-'));

function expectUsageError(result: CliResult, what: string, message: RegExp): void {
  expect(result.code, `${what}: ${result.stderr}`).toBe(2);
  expect(result.stdout, what).toBe('');
  // One line saying what went wrong (lower case, like every error), one saying what to do.
  expect(result.stderr, what).toMatch(/^Error: [a-z'-][^\n]*\nHint: [A-Z'][^\n]*\n$/);
  expect(result.stderr, what).toMatch(message);
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('every command speaks with one voice', () => {
  for (const command of commands) {
    const words = command.name.split(' ');
    const options = Object.entries((command.options ?? {}) as Record<string, OptionSpec>);
    const positionals = (command.positionals ?? []) as readonly PositionalSpec[];

    it(`${command.name}: usage mistakes are exit 2, one error line and one hint`, async () => {
      const run = (argv: string[]) => runCli([...words, ...argv], { cwd, env });
      const name = escapeRegex(command.name);

      expectUsageError(
        await run(['--no-such-option']),
        'unknown option',
        new RegExp(`^Error: unknown option '--no-such-option' for '${name}'\\.$`, 'm'),
      );

      const extra = [...positionals.map(() => 'word'), 'one-too-many'];
      expectUsageError(
        await run(extra),
        'extra argument',
        new RegExp(`^Error: unexpected argument '.*one-too-many' for '${name}'\\.$`, 'm'),
      );

      for (const [option, spec] of options) {
        if (spec.type === 'boolean') continue;
        expectUsageError(
          await run([`--${option}`]),
          `--${option} without a value`,
          new RegExp(`^Error: option '--${escapeRegex(option)}' needs a value\\.$`, 'm'),
        );
        if (spec.choices) {
          expectUsageError(
            await run([`--${option}`, 'not-a-choice']),
            `--${option} not-a-choice`,
            new RegExp(`^Error: --${escapeRegex(option)} must be one of `, 'm'),
          );
        } else if (spec.type === 'number') {
          expectUsageError(
            await run([`--${option}`, 'many']),
            `--${option} many`,
            new RegExp(`^Error: --${escapeRegex(option)} must be a number; got 'many'\\.$`, 'm'),
          );
        }
      }

      for (const [index, positional] of positionals.entries()) {
        if (!positional.required) continue;
        expectUsageError(
          await run(positionals.slice(0, index).map(() => 'word')),
          `missing ${positional.name}`,
          new RegExp(`^Error: '${name}' needs ${positional.name.toUpperCase()}\\.$`, 'm'),
        );
      }

      const help = await run(['--help']);
      expect(help.code).toBe(0);
      expect(help.stderr).toBe('');
      expect(help.stdout.startsWith(`Usage: linode-build ${command.name}`)).toBe(true);
    });
  }

  it('destroy, ssh and logs without an id outside a project: the same usage error, exit 2, before any API call', async () => {
    const results = await Promise.all(
      [['destroy', '--yes'], ['ssh'], ['logs'], ['logs', '--boot']].map((argv) => runCli(argv, { cwd, env })),
    );
    for (const result of results) {
      expectUsageError(
        result,
        'no id',
        /^Error: which deployment\? There is no \.linode\/state\.json here\.$/m,
      );
    }
    expect(new Set(results.map((result) => result.stderr)).size).toBe(1);
  });

  it('starts every error in lower case, except names', () => {
    expect(errorSentence('Missing required environment variable: HF_TOKEN')).toBe(
      'missing required environment variable: HF_TOKEN',
    );
    expect(errorSentence("Deployment abcd1234 doesn't run the watcher.")).toBe(
      "deployment abcd1234 doesn't run the watcher.",
    );
    for (const kept of ['LINODE_API_URL is not a URL.', 'Linode API error', '--ttl is bad', "'x' is bad"]) {
      expect(errorSentence(kept)).toBe(kept);
    }
  });
});
