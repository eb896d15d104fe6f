import { commandSpec, defineCommand } from '../framework/command.js';

export const templatesUninstallSpec = commandSpec({
  name: 'templates uninstall',
  summary: 'Remove an installed (user) template',
  description:
    'Only removes templates from the user template directory; bundled templates cannot be removed.',
  positionals: [
    { name: 'name', description: 'The installed template name', required: true, complete: 'template' },
  ],
  examples: [
    {
      command: 'linode-build templates uninstall my-api',
      description: 'Remove my-api from the user templates',
    },
  ],
});

export const templatesUninstallCommand = defineCommand(templatesUninstallSpec, async (args, context) =>
  (await import('../../catalog/install-command.js')).templatesUninstall(args, context),
);
