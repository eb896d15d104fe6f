import { commandSpec, defineCommand } from '../framework/command.js';
import { targetRequest } from '../target-options.js';
import { idleOption, ttlOption } from './lifetime-option.js';

export const deploySpec = commandSpec({
  name: 'deploy',
  summary: 'Make the deployment of this project and env match deploy.yml and .env',
  description:
    "Reads deploy.yml and .env from the project directory and converges the project's deployment in the env (--env, default 'default'): none yet → checks everything that can be checked before spending money (template, required env, user-data size, region Metadata support, image cloud-init support, plan type), then creates a per-deployment Cloud Firewall and the instance; nothing changed → says so and changes nothing; firewall rules or tags changed → updated through the API; app-level changes (image, command, env values, ports, health check, volumes, setup.files) → uploaded over SSH and the app restarted in place, health-gated, rolled back when unhealthy; machine-level changes (capabilities, packages, image, region, type, setup.script) → refused unless --replace (with replicas: each replica gets a new instance, which joins the NodeBalancer once healthy before the old one is drained and deleted, --max-unavailable at a time). An interrupted deploy is resumed, never duplicated. 'linode-build plan' shows the same differences without changing anything. The root password is generated and kept only in a 0600 file under the state directory. Asks for confirmation on a terminal; pass --yes otherwise.",
  options: {
    directory: {
      type: 'string',
      short: 'd',
      description: 'Project directory (default: current directory)',
      placeholder: 'DIR',
    },
    region: {
      type: 'string',
      description: "Region (default: region_default in deploy.yml, else linode-cli's default region)",
      placeholder: 'REGION',
    },
    type: {
      type: 'string',
      description: "Linode plan (default: type_default in deploy.yml, else linode-cli's default type)",
      placeholder: 'TYPE',
    },
    image: { type: 'string', description: 'Linode image (must support cloud-init)', placeholder: 'IMAGE' },
    'app-name': { type: 'string', description: 'App name (default: the template name)', placeholder: 'NAME' },
    env: {
      type: 'string',
      description: 'Environment name, e.g. prod (default: default)',
      placeholder: 'ENV',
    },
    'env-file': { type: 'string', description: 'The .env file (default: DIR/.env)', placeholder: 'FILE' },
    'ssh-key': {
      type: 'string',
      multiple: true,
      description: 'Public key file for root (default: every ~/.ssh/*.pub)',
      placeholder: 'PATH',
    },
    'user-data-encoding': {
      type: 'string',
      description:
        'gzip or plain (default: gzip on linode/ubuntu22.04 and newer, whose cloud-init unpacks it; plain otherwise)',
      placeholder: 'ENC',
    },
    'no-root-pass': { type: 'boolean', description: 'Keep no root password (SSH keys only)' },
    'no-ssh': {
      type: 'boolean',
      description: 'Deploy with no SSH key at all (then it cannot be updated in place, only replaced)',
    },
    replace: {
      type: 'boolean',
      description:
        'Apply machine-level changes (capabilities, packages, image, region, type) with a new instance; the old one is deleted once the new one is healthy (with replicas: one new instance per replica, rolled in like an app change)',
    },
    new: {
      type: 'boolean',
      description: 'Create another deployment even though this env has one (the old one keeps running)',
    },
    'max-unavailable': {
      type: 'number',
      description:
        'With replicas: how many may be out of rotation at once while an app change rolls, or replaced at once with --replace (default 1; a whole number; at or above the replicas, all but one at a time)',
      placeholder: 'N',
    },
    wait: { type: 'boolean', description: 'Wait until the instance runs and the app is healthy' },
    timeout: {
      type: 'number',
      description: 'Seconds --wait may take',
      placeholder: 'SECONDS',
      default: 1200,
    },
    replicas: {
      type: 'number',
      description: 'Instances behind a Linode NodeBalancer, 1-20 (default: deploy.linode.replicas, else 1)',
      placeholder: 'N',
    },
    ttl: ttlOption,
    idle: idleOption,
    'dry-run': { type: 'boolean', description: 'Show the plan and create nothing (same as plan)' },
    yes: { type: 'boolean', short: 'y', description: 'Do not ask for confirmation' },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  examples: [
    {
      command: 'linode-build deploy --wait',
      description: 'Deploy the project in the current directory and wait until healthy',
    },
    {
      command: 'linode-build deploy -d my-llm --region us-ord --env prod --yes',
      description: 'Another directory, region and environment, no prompt',
    },
    {
      command: 'linode-build deploy --ssh-key ~/.ssh/id_ed25519.pub --no-root-pass',
      description: 'Key-only root login',
    },
    { command: 'linode-build deploy --dry-run', description: 'Show what would be created or changed' },
    {
      command: 'linode-build deploy --replace --yes',
      description: 'Apply a capability change on a new instance, keeping the address',
    },
    {
      command: 'linode-build deploy --replace --max-unavailable 2',
      description: 'With replicas: a new type_default in deploy.yml rolled in, two new instances at a time',
    },
  ],
});

export const deployCommand = defineCommand(deploySpec, async (args, context) => {
  const { options } = args;
  // `deploy --dry-run` is `plan` with deploy's own options: the same preparePlan (so --ttl,
  // overrides and the differences against the deployed version match what deploy would do),
  // shown by plan's printer, with no credentials read.
  if (options['dry-run']) {
    const { showPlan } = await import('../../deploy/plan-command.js');
    return showPlan({ ...targetRequest(options), json: options.json }, context);
  }
  return (await import('../../deploy/deploy-command.js')).deploy(args, context);
});
