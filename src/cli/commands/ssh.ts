import { commandSpec, defineCommand } from '../framework/command.js';

export const sshSpec = commandSpec({
  name: 'ssh',
  summary: 'Open an SSH session to a deployment (root@IP), with host-key checking on',
  description:
    "Runs ssh root@IP for the deployment given by id or prefix, or for this project's deployment. The host key is pinned on first connect in linode-build's own known_hosts file (StrictHostKeyChecking=accept-new, one entry per deployment); if it changes later, ssh refuses to connect. Authentication is by your SSH key (the ones deploy put in authorized_keys); a password is never passed on a command line. Exits with ssh's exit code.",
  positionals: [
    {
      name: 'id',
      description: "Deployment id or unique prefix (default: this project's deployment)",
      complete: 'deployment',
    },
  ],
  passThrough: { name: 'args', description: 'Passed to ssh after the host: a remote command or ssh options' },
  options: {
    print: { type: 'boolean', description: 'Print the ssh command instead of running it' },
    identity: {
      type: 'string',
      short: 'i',
      description: 'Private key file to use (default: ssh agent and ~/.ssh/id_*)',
      placeholder: 'FILE',
    },
    replica: {
      type: 'string',
      description:
        'For a deployment with replicas: which one, by number or label (default: the first; the NodeBalancer has no SSH)',
      placeholder: 'N|LABEL',
    },
  },
  examples: [
    { command: 'linode-build ssh', description: "Log in to this project's deployment" },
    { command: 'linode-build ssh k3x9 -- nvidia-smi', description: 'Run one command on deployment k3x9…' },
    {
      command: 'linode-build ssh k3x9 -- -L 8080:localhost:8000',
      description: 'Forward a local port to the app',
    },
    {
      command: 'linode-build ssh k3x9 --replica 2',
      description: 'Log in to replica 2 of a deployment with replicas',
    },
    { command: 'linode-build ssh --print', description: 'Show the exact command without running it' },
  ],
});

export const sshCommand = defineCommand(sshSpec, async (args, context) =>
  (await import('../../ssh/ssh-command.js')).ssh(args, context),
);
