import { VERSION } from '../../version.js';
import type { versionSpec } from '../commands/version.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';

export default async function version(args: ArgsOf<typeof versionSpec>, { out }: CommandContext) {
  if (args.options.json) out.json({ version: VERSION, node: process.versions.node });
  else out.line(`linode-build ${VERSION} (Node.js ${process.versions.node})`);
}
