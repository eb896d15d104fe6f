import { commandSpec, defineCommand } from '../framework/command.js';

export const logsSpec = commandSpec({
  name: 'logs',
  summary: 'Show container logs or boot progress through the on-instance watcher',
  description:
    "Reads the deployment's BuildWatch API (the `buildwatch` capability) with the token kept locally at deploy time. Without --boot, prints the last lines of the app container's output; with --boot, cloud-init's status and each boot step (running, done, failed with its exit code and last output). The watcher listens on the instance's loopback, and its token is never sent in clear over a network: logs goes through an SSH tunnel (the deployment's pinned host key, its recorded key or yours) unless --watcher-url names an https URL or a tunnel on this machine.",
  positionals: [
    {
      name: 'id',
      description: "Deployment id or unique prefix (default: this project's deployment)",
      complete: 'deployment',
    },
  ],
  options: {
    boot: { type: 'boolean', description: 'Show boot progress instead of container logs' },
    lines: { type: 'number', description: 'How many log lines (1-5000)', placeholder: 'N', default: 100 },
    follow: {
      type: 'boolean',
      short: 'f',
      description: 'Keep printing new lines (or boot steps) until Ctrl-C',
    },
    container: {
      type: 'string',
      description: 'Container name (default: the app container)',
      placeholder: 'NAME',
    },
    timestamps: { type: 'boolean', description: "Prefix each line with Docker's timestamp" },
    ssh: {
      type: 'boolean',
      description: 'Always use the SSH tunnel (the default unless the instance is this machine)',
    },
    'watcher-url': {
      type: 'string',
      description: 'Reach the watcher here instead: https, or http on 127.0.0.1 (your own tunnel)',
      placeholder: 'URL',
    },
    interval: {
      type: 'number',
      description: 'Seconds between polls with --follow',
      placeholder: 'SEC',
      default: 2,
    },
    json: { type: 'boolean', description: 'Print JSON (not with --follow)' },
    replica: {
      type: 'string',
      description: 'For a deployment with replicas: whose watcher, by number or label (default: the first)',
      placeholder: 'N|LABEL',
    },
  },
  examples: [
    { command: 'linode-build logs', description: "Last 100 lines of this project's app container" },
    { command: 'linode-build logs k3x9 --lines 500', description: 'More lines of one deployment' },
    { command: 'linode-build logs --follow', description: 'Keep streaming new lines' },
    { command: 'linode-build logs k3x9 --replica 3 --boot', description: 'Boot steps of replica 3' },
    { command: 'linode-build logs --boot --follow', description: 'Watch the boot steps until they finish' },
    {
      command:
        'ssh -N -L 9090:127.0.0.1:9090 root@IP & linode-build logs --watcher-url http://127.0.0.1:9090',
      description: 'Through a tunnel of your own (e.g. via a jump host)',
    },
  ],
});

export const logsCommand = defineCommand(logsSpec, async (args, context) =>
  (await import('../../watcher-client/logs-command.js')).logs(args, context),
);
