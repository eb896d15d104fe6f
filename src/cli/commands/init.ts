import { commandSpec, defineCommand } from '../framework/command.js';

export const initSpec = commandSpec({
  name: 'init',
  summary: 'Start a project from a template: deploy.yml, .env.example, README.md, .gitignore',
  description:
    'TEMPLATE is a bundled or installed template name (optionally NAME@VERSION) or a path. With --directory the directory must be new or empty; without it, the current directory must not already hold deploy.yml or .env.example (an existing README.md is kept, .gitignore is extended). Nothing is written when anything fails.',
  positionals: [
    { name: 'template', description: 'Template name or path', required: true, complete: 'template' },
  ],
  options: {
    directory: {
      type: 'string',
      short: 'd',
      description: 'Project directory (default: current directory)',
      placeholder: 'DIR',
    },
    region: { type: 'string', description: 'Set region_default, e.g. us-ord', placeholder: 'REGION' },
    type: {
      type: 'string',
      description: 'Set type_default (the Linode plan), e.g. g6-standard-4',
      placeholder: 'TYPE',
    },
    'app-name': {
      type: 'string',
      description: 'Name of the deployed app (default: the template name)',
      placeholder: 'NAME',
    },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  examples: [
    {
      command: 'linode-build init chat-agent --directory my-chat',
      description: 'A new project from a bundled template',
    },
    {
      command: 'linode-build init llm-api -d my-llm --region de-fra-2 --app-name support-bot',
      description: 'Override region and app name',
    },
    {
      command: 'linode-build init ./my-template',
      description: 'From a template directory, into the current directory',
    },
  ],
});

export const initCommand = defineCommand(initSpec, async (args, context) =>
  (await import('../../catalog/init-command.js')).init(args, context),
);
