import { commandSpec, defineCommand } from '../framework/command.js';
import { idleOption } from './lifetime-option.js';

export const reapSpec = commandSpec({
  name: 'reap',
  summary: 'Destroy expired deployments (--ttl, lifetime:) and, with --idle, idle ones',
  description:
    "Lists every instance of the account that carries both a build-id: tag and a build-expires: tag whose time has passed, and destroys each like 'destroy' does (instance, firewall, local state), printing how long ago it expired, what it cost so far and the hourly cost saved. Works from any machine: it finds deployments by their tags, not the local registry. Instances without our tags are never touched. With --idle DURATION (or a deployment's own build-idle: tag, from deploy --idle) it also asks each deployment's watcher, through the same SSH tunnel as 'logs', since when nothing reached the app and its GPUs sat idle, and destroys those idle at least that long; a deployment whose watcher cannot be read (not deployed from this machine, unreachable) is listed and never destroyed. Without a terminal (e.g. from cron) it needs --yes or --dry-run.",
  options: {
    yes: { type: 'boolean', short: 'y', description: 'Destroy without asking (needed without a terminal)' },
    'dry-run': { type: 'boolean', description: 'Only list what would be destroyed' },
    idle: {
      ...idleOption,
      description: 'Also destroy deployments idle (no requests, GPUs idle) at least this long, e.g. 2h',
    },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  examples: [
    { command: 'linode-build reap --dry-run', description: 'What has expired, and what it costs per hour' },
    { command: 'linode-build reap', description: 'Destroy expired deployments (asks first)' },
    {
      command: 'linode-build reap --idle 2h --dry-run',
      description: 'Which deployments have served nothing for 2 hours',
    },
    {
      command: '*/15 * * * * linode-build reap --yes >>~/reap.log 2>&1',
      description: 'A crontab line: reap every 15 minutes',
    },
  ],
});

export const reapCommand = defineCommand(reapSpec, async (args, context) =>
  (await import('../../reap/reap-command.js')).reap(args, context),
);
