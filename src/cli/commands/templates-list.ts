import { commandSpec, defineCommand } from '../framework/command.js';
import { loadHandler } from '../framework/handler-bundle.js';

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

// On the start-up budget: loads from its own bundle with a V8 code cache (handler-bundle.ts).
export const templatesListCommand = defineCommand(templatesListSpec, () =>
  loadHandler('templates list', () => import('../handlers/templates-list.js')),
);
