/**
 * `deploy --dry-run` is `plan` with deploy's own options: the same preparePlan (so `--ttl`,
 * overrides and the differences against the deployed version match what deploy would do),
 * shown by the plan command's printer.
 */
import type { deploySpec } from '../commands/deploy.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';
import { showPlan } from './plan.js';

export function runDryRun(args: ArgsOf<typeof deploySpec>, context: CommandContext): Promise<number> {
  const { options } = args;
  return showPlan(
    {
      directory: options.directory,
      region: options.region,
      type: options.type,
      image: options.image,
      appName: options['app-name'],
      envName: options.env,
      envFile: options['env-file'],
      ttl: options.ttl,
      userDataEncoding: options['user-data-encoding'],
      json: options.json,
    },
    context,
  );
}
