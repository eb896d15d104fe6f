import { commandSpec, defineCommand } from '../framework/command.js';

export const templatesBootTestSpec = commandSpec({
  name: 'templates boot-test',
  summary: 'Boot a template locally under systemd + cloud-init before paying for an instance',
  description:
    "Builds the plan exactly as deploy would (deploy.yml with its .env, or a template with placeholder values), boots its user-data in a local container (systemd-nspawn of the image's release, cloud-init reading the exact bytes from a NoCloud seed), follows the boot steps live, probes the health check, and prints the boot-to-healthy time and each step's duration. The container has a private network: apt reaches the distribution's archive through a relay on this machine. Needs Linux, root, systemd-nspawn, debootstrap, nsenter and socat. The root filesystem is cached under the user's cache directory ($XDG_CACHE_HOME/linode-build/boot); --prune-cache deletes it.",
  positionals: [
    {
      name: 'template',
      description: 'A project directory with deploy.yml, or a template name or path (default: .)',
    },
  ],
  options: {
    image: {
      type: 'string',
      description:
        "Boot this image's release instead of the template's (linode/debian12, linode/ubuntu24.04, …)",
      placeholder: 'IMAGE',
    },
    'env-file': { type: 'string', description: 'The .env file (default: DIR/.env)', placeholder: 'FILE' },
    keep: { type: 'boolean', description: 'Leave the container running and print how to get a shell in it' },
    json: { type: 'boolean', description: 'Print the result as one JSON document' },
    timeout: {
      type: 'number',
      description: 'Seconds to wait for the boot to finish (default 900)',
      placeholder: 'SECONDS',
    },
    'prune-cache': {
      type: 'boolean',
      description: 'Delete the cached root filesystems and packages, then exit',
    },
  },
  examples: [
    {
      command: 'sudo linode-build templates boot-test',
      description: 'Boot the project in the current directory',
    },
    {
      command: 'sudo linode-build templates boot-test llm-api --image linode/debian12',
      description: 'Boot a bundled template on Debian 12',
    },
    {
      command: 'sudo linode-build templates boot-test --keep',
      description: 'Keep the container to look around',
    },
    { command: 'sudo linode-build templates boot-test --prune-cache', description: 'Free the cache' },
  ],
});

export const templatesBootTestCommand = defineCommand(templatesBootTestSpec, async (args, context) =>
  (await import('../../boottest/boot-test-command.js')).templatesBootTest(args, context),
);
