import { commandSpec, defineCommand } from '../framework/command.js';

export const templatesValidateSpec = commandSpec({
  name: 'templates validate',
  summary: 'Check a template or deploy.yml and report every problem with its line',
  description:
    'Exit status 0 when valid (warnings allowed), 1 when there are errors. Each problem shows file:line:column, the field, what is wrong and how to fix it.',
  positionals: [
    {
      name: 'path',
      description: 'A template directory, a template.yml or a deploy.yml (default: the current directory)',
      complete: 'file',
    },
  ],
  options: {
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  examples: [
    {
      command: 'linode-build templates validate',
      description: "The current directory's template.yml or deploy.yml",
    },
    { command: 'linode-build templates validate ./my-template', description: 'A template directory' },
    { command: 'linode-build templates validate deploy.yml --json', description: 'Diagnostics as JSON' },
  ],
});

export const templatesValidateCommand = defineCommand(templatesValidateSpec, async (args, context) =>
  (await import('../../template/validate-command.js')).templatesValidate(args, context),
);
