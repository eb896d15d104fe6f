/**
 * `deploy --dry-run` is exactly `plan` with the same directory and overrides: it runs the plan
 * command's own handler, so the two can never drift apart.
 */
import { CliError } from '../../errors.js';
import type { deploySpec } from '../commands/deploy.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';
import { parseCommandArgs } from '../framework/parse.js';

const forwarded = [
  'directory',
  'region',
  'type',
  'image',
  'app-name',
  'env',
  'env-file',
  'ttl',
  'user-data-encoding',
] as const;

export async function runDryRun(args: ArgsOf<typeof deploySpec>, context: CommandContext): Promise<number> {
  const { commands } = await import('../commands/index.js');
  const plan = commands.find((command) => command.name === 'plan');
  if (!plan) {
    throw new CliError(
      '--dry-run needs the plan command, which this build does not include.',
      'Update linode-build.',
    );
  }
  const argv: string[] = [];
  for (const name of forwarded) {
    const value = args.options[name];
    if (value !== undefined) argv.push(`--${name}`, value);
  }
  if (args.options.json) argv.push('--json');
  const parsed = parseCommandArgs(plan, argv);
  const handler = await plan.handler();
  const code = await handler.default(
    // Parsed by the plan command's own spec, so the shapes match its handler.
    { options: parsed.options as never, positionals: parsed.positionals as never, debug: args.debug },
    context,
  );
  return typeof code === 'number' ? code : 0;
}
