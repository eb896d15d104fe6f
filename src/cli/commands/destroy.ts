import { commandSpec, defineCommand } from '../framework/command.js';

export const destroySpec = commandSpec({
  name: 'destroy',
  summary: 'Delete a deployment: its instance, its firewall and its local state',
  description:
    "Deletes the instance and its firewall, waits until the API reports the instance gone, then removes the registry record and secrets and marks the project's .linode/state.json as destroyed. Running it again is harmless: a deployment already destroyed is reported as such, exit 0. An id or --app/--env matching nothing is an error naming the closest deployments (exit 1; --ignore-not-found makes it exit 0). A prefix matching several deployments is an error listing them; a deployment is never chosen by template name. Asks for confirmation on a terminal; pass --yes otherwise.",
  positionals: [
    {
      name: 'id',
      description: "Deployment id or unique prefix (default: this project's deployment)",
      complete: 'deployment',
    },
  ],
  options: {
    app: {
      type: 'string',
      description: 'Select by app (with --env when there are several)',
      placeholder: 'APP',
    },
    env: {
      type: 'string',
      description: "Select by environment (in a project directory: the project's deployment in that env)",
      placeholder: 'ENV',
    },
    'all-envs': {
      type: 'boolean',
      description: "In a project directory: destroy the project's deployment in every env",
    },
    yes: { type: 'boolean', short: 'y', description: 'Do not ask for confirmation' },
    'ignore-not-found': {
      type: 'boolean',
      description: 'Exit 0 when nothing matches (for scripts); by default that is an error',
    },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  examples: [
    { command: 'linode-build destroy', description: "Destroy this project's deployment (asks first)" },
    { command: 'linode-build destroy k3x9 --yes', description: 'By id prefix, without asking' },
    { command: 'linode-build destroy --app chat --env staging --yes', description: 'By app and environment' },
    {
      command: 'linode-build destroy --all-envs --yes',
      description: "In a project directory: every env's deployment of this project",
    },
  ],
});

export const destroyCommand = defineCommand(destroySpec, async (args, context) =>
  (await import('../../destroy/destroy-command.js')).destroy(args, context),
);
