/** Finds the command for argv, parses it, runs its handler, and turns errors into exit codes. */
import { isCliError, UsageError } from '../../errors.js';
import { linodeTokenIfAny } from '../../linode/token.js';
import { accessError } from '../../state/access-error.js';
import { pendingMigration } from '../../state/legacy-layout.js';
import { didYouMean } from '../../util/suggest.js';
import type { AnyCommand, CommandContext } from './command.js';
import { findCommand } from './dispatch.js';
import { commandHelp, groupHelp } from './help.js';
import { Output } from './output.js';
import { parseCommandArgs } from './parse.js';

export interface RunOptions {
  readonly argv: readonly string[];
  readonly commands: readonly AnyCommand[];
  readonly version: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdinIsTTY?: boolean;
}

export async function runCli(options: RunOptions): Promise<number> {
  const env = options.env ?? process.env;
  const stdout = (options.stdout ?? process.stdout) as NodeJS.WriteStream;
  const stderr = (options.stderr ?? process.stderr) as NodeJS.WriteStream;
  const out = new Output({ stdout, stderr, env });
  const argv = options.argv;
  const debug = argv.includes('--debug');

  try {
    if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
      out.line(options.version);
      return 0;
    }
    const found = findCommand(options.commands, argv);
    if (!('command' in found)) {
      const isGroup =
        found.prefix !== '' && options.commands.some((c) => c.name.startsWith(`${found.prefix} `));
      const unknownWord = found.rest.find((word) => !word.startsWith('-'));
      if (isGroup && unknownWord !== undefined)
        throw unknownSubcommand(options.commands, found.prefix, unknownWord);
      if (found.prefix === '' || isGroup) {
        const unknownFlag = found.rest.find(
          (word) => word.startsWith('-') && word !== '--help' && word !== '-h',
        );
        if (unknownFlag && !(found.prefix === '' && unknownFlag === '--debug')) {
          throw new UsageError(`unknown option '${unknownFlag}'.`, "Run 'linode-build --help' for usage.");
        }
        stdout.write(groupHelp(options.commands, found.prefix, options.version));
        return 0;
      }
      throw unknownCommand(options.commands, found.prefix, unknownWord);
    }

    const { command, rest } = found;
    const parsed = parseCommandArgs(command, rest);
    if (parsed.help) {
      stdout.write(commandHelp(command));
      return 0;
    }
    // The API token is a secret of every command that may reach the API (or print an API
    // error): registered before the handler runs, so no output path can show it.
    const token = linodeTokenIfAny(env);
    if (token) out.redact(token);
    // Files in the pre-XDG layout are moved once, before any command reads or writes them.
    if (pendingMigration(env)) {
      const { migrateLegacyLayout, migrationMessage } = await import('../../state/migrate.js');
      const report = await migrateLegacyLayout(env);
      if (report) out.info(migrationMessage(report));
    }
    const context: CommandContext = {
      cwd: options.cwd ?? process.cwd(),
      env,
      out,
      interactive: (options.stdinIsTTY ?? process.stdin.isTTY === true) && stdout.isTTY === true,
      commands: options.commands,
    };
    const code = await command.run(
      // The parser produced values shaped by this command's own spec.
      {
        options: parsed.options as never,
        positionals: parsed.positionals as never,
        debug: parsed.debug,
        ...(parsed.rest ? { rest: parsed.rest } : {}),
      },
      context,
    );
    return typeof code === 'number' ? code : 0;
  } catch (caught) {
    const error = accessError(caught, env) ?? caught;
    if (isCliError(error)) {
      out.error(error.message, error.hint);
      if (debug && error.stack) out.info(error.stack);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    out.error(
      `unexpected failure: ${message}`,
      'Run again with --debug for details, and report it if it persists.',
    );
    if (debug && error instanceof Error && error.stack) out.info(error.stack);
    return 1;
  }
}

/** `templates lst`: a group with a word that names none of its commands. */
function unknownSubcommand(commands: readonly AnyCommand[], group: string, word: string): UsageError {
  const subcommands = commands
    .filter((c) => c.name.startsWith(`${group} `))
    .map((c) => c.name.slice(group.length + 1));
  return new UsageError(
    `unknown command '${group} ${word}'${didYouMean(word, subcommands, (match) => `${group} ${match}`)}.`,
    `Run 'linode-build ${group} --help' to list its commands.`,
  );
}

/** `deplyo`, or `template list`: the first word names no command or group. */
function unknownCommand(commands: readonly AnyCommand[], word: string, next: string | undefined): UsageError {
  // Two words are compared with the full names first, so `template lst` suggests `templates list`.
  const twoWords =
    next === undefined
      ? ''
      : didYouMean(
          `${word} ${next}`,
          commands.map((c) => c.name).filter((n) => n.includes(' ')),
        );
  const topLevel = [...new Set(commands.map((c) => c.name.split(' ')[0]!))];
  return new UsageError(
    `unknown command '${word}'${twoWords || didYouMean(word, topLevel)}.`,
    "Run 'linode-build --help' to list the commands.",
  );
}
