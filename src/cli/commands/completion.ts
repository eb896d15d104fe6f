import { commandSpec, defineCommand } from '../framework/command.js';

export const completionSpec = commandSpec({
  name: 'completion',
  summary: 'Print a shell completion script for bash, zsh or fish',
  description:
    'Prints a script that completes commands, options, their fixed values, template names and deployment ids (from the local registry; no API request). It is generated from the same command definitions as the help, so it always matches this version.',
  positionals: [{ name: 'shell', description: 'bash, zsh or fish', choices: ['bash', 'zsh', 'fish'] }],
  options: {
    values: {
      type: 'string',
      description: 'Print the names the scripts complete (template names or deployment ids), one a line',
      placeholder: 'KIND',
      choices: ['template', 'deployment'],
    },
  },
  examples: [
    {
      command: 'eval "$(linode-build completion bash)"',
      description: 'Completion in this bash (add it to ~/.bashrc)',
    },
    {
      command: 'eval "$(linode-build completion zsh)"',
      description: 'Completion in this zsh (add it to ~/.zshrc)',
    },
    {
      command: 'linode-build completion fish > ~/.config/fish/completions/linode-build.fish',
      description: 'Completion in fish',
    },
  ],
});

export const completionCommand = defineCommand(completionSpec, async (args, context) =>
  (await import('../completion-command.js')).completion(args, context),
);
