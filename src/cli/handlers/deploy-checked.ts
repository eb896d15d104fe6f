/**
 * `deploy` with its --type and --region checked against the API's catalogues first (not with
 * --dry-run, which reads no credentials), so `--type g6-standrad-2` on a GPU template says
 * "unknown Linode type … did you mean g6-standard-2", blaming --type, instead of a capability
 * error about the template. Then the deploy handler runs as usual.
 */
import { checkFlagValues } from '../../deploy/preflight.js';
import { LinodeClient } from '../../linode/client.js';
import type { deploySpec } from '../commands/deploy.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';

export default async function deployChecked(
  args: ArgsOf<typeof deploySpec>,
  context: CommandContext,
): Promise<number> {
  const { options } = args;
  if (!options['dry-run'] && (options.type !== undefined || options.region !== undefined)) {
    const client = await LinodeClient.connect(context.env);
    await checkFlagValues(client, { type: options.type, region: options.region });
  }
  const { default: deploy } = await import('./deploy.js');
  return deploy(args, context);
}
