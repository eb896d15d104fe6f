/**
 * `deploy --dry-run` is `plan` with deploy's own options: the same preparePlan (so `--ttl`,
 * overrides and the differences against the deployed version match what deploy would do),
 * shown by the plan command's printer.
 */
import type { deploySpec } from '../commands/deploy.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';
import { targetRequest } from '../target-options.js';
import { showPlan } from './plan.js';

export function runDryRun(args: ArgsOf<typeof deploySpec>, context: CommandContext): Promise<number> {
  const { options } = args;
  return showPlan({ ...targetRequest(options), json: options.json }, context);
}
