import { commandSpec, defineCommand } from '../framework/command.js';

export const templatesListSpec = commandSpec({
  name: 'templates list',
  summary: 'List the bundled and installed templates',
  description:
    'Installed (user) templates override bundled ones of the same name. A template that does not load is listed with its first error, never hidden.',
  options: {
    json: { type: 'boolean', description: 'Print JSON' },
  },
  examples: [
    {
      command: 'linode-build templates list',
      description: 'Name, version, source and description of each template',
    },
    {
      command: 'linode-build templates list --json',
      description: 'The same, with validation details, as JSON',
    },
  ],
});

export const templatesListCommand = defineCommand(templatesListSpec, async (args, context) =>
  (await import('../../catalog/list-command.js')).templatesList(args, context),
);
