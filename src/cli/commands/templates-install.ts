import { commandSpec, defineCommand } from '../framework/command.js';

export const templatesInstallSpec = commandSpec({
  name: 'templates install',
  summary: 'Validate a template and install it for `init NAME`',
  description:
    'Copies template.yml, README.md, .env.example and files named by setup.files[].source into the user template directory (never .env, .git or other files). An invalid template is not installed.',
  positionals: [
    { name: 'path', description: 'A template directory or template.yml', required: true, complete: 'file' },
  ],
  options: {
    force: { type: 'boolean', description: 'Replace an installed template of the same name' },
  },
  examples: [
    {
      command: 'linode-build templates install ./my-api',
      description: 'Install, then use with `linode-build init my-api`',
    },
    { command: 'linode-build templates install ./my-api --force', description: 'Replace the installed copy' },
  ],
});

export const templatesInstallCommand = defineCommand(templatesInstallSpec, async (args, context) =>
  (await import('../../catalog/install-command.js')).templatesInstall(args, context),
);
