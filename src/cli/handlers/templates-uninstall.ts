import { uninstallTemplate } from '../../catalog/install.js';
import type { templatesUninstallSpec } from '../commands/templates-uninstall.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';

export default async function templatesUninstall(
  args: ArgsOf<typeof templatesUninstallSpec>,
  { out, env }: CommandContext,
) {
  const name = args.positionals.name!;
  const removed = uninstallTemplate(name, { env });
  out.line(`${out.style('green', '✓')} Uninstalled template '${name}' (${removed})`);
}
