import { registryKnowledge } from '../../catalog/capability-names.js';
import { installTemplate } from '../../catalog/install.js';
import type { templatesInstallSpec } from '../commands/templates-install.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';

export default async function templatesInstall(
  args: ArgsOf<typeof templatesInstallSpec>,
  { out, env, cwd }: CommandContext,
) {
  const result = installTemplate(args.positionals.path!, {
    cwd,
    env,
    force: args.options.force,
    knowledge: await registryKnowledge(),
  });
  const { name, version } = result.template;
  out.line(
    `${out.style('green', '✓')} ${result.replaced ? 'Replaced' : 'Installed'} template '${name}' ${version}`,
  );
  out.line(`  Location: ${result.destination}`);
  out.line(`  Files:    ${result.files.join(', ')}`);
  out.line(`  Use it:   linode-build init ${name} --directory my-${name}`);
}
