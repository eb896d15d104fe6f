import { commandSpec, defineCommand } from '../framework/command.js';

export const reapSpec = commandSpec({
  name: 'reap',
  summary: 'Destroy expired deployments (those deployed with --ttl or lifetime:)',
  description:
    "Lists every instance of the account that carries both a build-id: tag and a build-expires: tag whose time has passed, and destroys each like 'destroy' does (instance, firewall, local state), printing how long ago it expired, what it cost so far and the hourly cost saved. Works from any machine: it finds deployments by their tags, not the local registry. Instances without our tags are never touched. Without a terminal (e.g. from cron) it needs --yes or --dry-run.",
  options: {
    yes: { type: 'boolean', short: 'y', description: 'Destroy without asking (needed without a terminal)' },
    'dry-run': { type: 'boolean', description: 'Only list what would be destroyed' },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  examples: [
    { command: 'linode-build reap --dry-run', description: 'What has expired, and what it costs per hour' },
    { command: 'linode-build reap', description: 'Destroy expired deployments (asks first)' },
    {
      command: '*/15 * * * * linode-build reap --yes >>~/reap.log 2>&1',
      description: 'A crontab line: reap every 15 minutes',
    },
  ],
});

export const reapCommand = defineCommand(reapSpec, () => import('../handlers/reap.js'));
