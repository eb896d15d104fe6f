import { capabilityKnowledge } from '../capability/knowledge.js';
import type { CommandArgs, CommandContext } from '../cli/framework/command.js';
import { installTemplate, uninstallTemplate } from './install.js';

export async function templatesInstall(
  args: CommandArgs<{ readonly force: boolean }, { readonly path: string | undefined }>,
  { out, env, cwd }: CommandContext,
) {
  const result = installTemplate(args.positionals.path!, {
    cwd,
    env,
    force: args.options.force,
    knowledge: await capabilityKnowledge(),
  });
  const { name, version } = result.template;
  out.line(
    `${out.style('green', '✓')} ${result.replaced ? 'Replaced' : 'Installed'} template '${name}' ${version}`,
  );
  out.line(`  Location: ${result.destination}`);
  out.line(`  Files:    ${result.files.join(', ')}`);
  out.line(`  Use it:   linode-build init ${name} --directory my-${name}`);
}

export async function templatesUninstall(
  args: CommandArgs<unknown, { readonly name: string | undefined }>,
  { out, env }: CommandContext,
) {
  const name = args.positionals.name!;
  const removed = uninstallTemplate(name, { env });
  out.line(`${out.style('green', '✓')} Uninstalled template '${name}' (${removed})`);
}
