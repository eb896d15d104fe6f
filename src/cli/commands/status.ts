import { commandSpec, defineCommand } from '../framework/command.js';

export const statusSpec = commandSpec({
  name: 'status',
  summary: 'Show deployments: instance state, health, URL, age and cost',
  description:
    "Merges the local registry with the instances tagged by linode-build (one paged API list, however many deployments). Deployments made on another machine show as untracked and can be adopted with --adopt; records whose instance is gone show as missing and can be removed with --prune. Inside a project directory, with no arguments, shows that project's deployment in detail. Costs are estimates from hourly prices: Linode bills powered-off instances too.",
  positionals: [{ name: 'id', description: 'Deployment id or unique prefix', complete: 'deployment' }],
  options: {
    app: { type: 'string', description: 'Only this app', placeholder: 'APP' },
    env: { type: 'string', description: 'Only this environment', placeholder: 'ENV' },
    all: { type: 'boolean', description: 'List every deployment, even inside a project directory' },
    adopt: { type: 'boolean', description: 'Add deployments known only by tags to the local registry' },
    prune: { type: 'boolean', description: 'Remove records whose instance no longer exists' },
    'no-health': { type: 'boolean', description: 'Skip the HTTP health probes' },
    json: { type: 'boolean', description: 'Print JSON' },
  },
  examples: [
    { command: 'linode-build status', description: "This project's deployment, or all of them" },
    { command: 'linode-build status --app chat --env prod', description: 'Filter by app and environment' },
    { command: 'linode-build status k3x9', description: 'One deployment by id prefix, in detail' },
    { command: 'linode-build status --adopt --prune', description: 'Reconcile the registry with Linode' },
    { command: 'linode-build status --json', description: 'Machine-readable' },
  ],
});

export const statusCommand = defineCommand(statusSpec, async (args, context) =>
  (await import('../../status/status-command.js')).status(args, context),
);
