/** The framework's `passThrough`: words after `--` reach the handler unparsed, and only for commands that declare it. */
import { describe, expect, it } from 'vitest';
import { sshCommand } from '../../src/cli/commands/ssh.js';
import { statusCommand } from '../../src/cli/commands/status.js';
import { commandHelp } from '../../src/cli/framework/help.js';
import { parseCommandArgs } from '../../src/cli/framework/parse.js';

describe('passThrough', () => {
  it('hands everything after the first -- to the handler, flags included', () => {
    const parsed = parseCommandArgs(sshCommand, [
      'k3x9',
      '--print',
      '--',
      '-L',
      '8080:localhost:80',
      '--',
      'x',
    ]);
    expect(parsed.positionals).toEqual({ id: 'k3x9' });
    expect(parsed.options).toMatchObject({ print: true });
    expect(parsed.rest).toEqual(['-L', '8080:localhost:80', '--', 'x']);
  });

  it('leaves rest undefined without --, and options after -- are not ours', () => {
    expect(parseCommandArgs(sshCommand, ['k3x9']).rest).toBeUndefined();
    expect(parseCommandArgs(sshCommand, ['--', '--print']).options).toMatchObject({ print: false });
  });

  it('commands without passThrough still reject extra words after --', () => {
    expect(() => parseCommandArgs(statusCommand, ['abc', '--', 'extra'])).toThrow(
      /unexpected argument 'extra'/,
    );
  });

  it('shows the pass-through words in help', () => {
    const help = commandHelp(sshCommand);
    expect(help).toContain('Usage: linode-build ssh [ID] [options] [-- ARGS...]');
    expect(help).toMatch(/After --:\n\s+ARGS\.\.\.\s+Passed to ssh/);
  });
});
