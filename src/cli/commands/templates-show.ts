import { commandSpec, defineCommand } from '../framework/command.js';

export const templatesShowSpec = commandSpec({
  name: 'templates show',
  summary: 'Show what a template deploys',
  positionals: [
    {
      name: 'template',
      description: 'A template name, or a path to a template',
      required: true,
      complete: 'template',
    },
  ],
  options: {
    json: { type: 'boolean', description: 'Print the normalised template (defaults filled in) as JSON' },
  },
  examples: [
    {
      command: 'linode-build templates show llm-api',
      description: 'Plan, image, ports, health check and env of llm-api',
    },
    {
      command: 'linode-build templates show ./my-template --json',
      description: 'A template directory, as JSON',
    },
  ],
});

export const templatesShowCommand = defineCommand(templatesShowSpec, async (args, context) =>
  (await import('../../catalog/show-command.js')).templatesShow(args, context),
);
