import { commandSpec, defineCommand } from '../framework/command.js';
import { targetRequest } from '../target-options.js';
import { idleOption, ttlOption } from './lifetime-option.js';

export const planSpec = commandSpec({
  name: 'plan',
  summary: 'Show exactly what a deploy would create: boot steps, user-data, API requests',
  description:
    'Builds the deployment plan from deploy.yml (in --directory, default the current directory) or straight from a template (--template NAME), without creating anything or reading credentials: capabilities in boot order, packages, boot steps, open ports, the user-data byte budget, and the instance and firewall requests with the root password and every env value redacted (env variables are shown by name). Planning from a template needs no .env: required variables get placeholder values and the summary says so. --out DIR writes user-data.yaml (the #cloud-config cloud-init reads, secrets included, mode 0600), user-data.yaml.gz when user-data is sent gzipped (the exact bytes sent), create-request.json and firewall-request.json. The deployment id shown is a preview; deploy picks a new one.',
  options: {
    directory: {
      type: 'string',
      short: 'd',
      description: 'Project directory holding deploy.yml (default: current directory)',
      placeholder: 'DIR',
    },
    template: {
      type: 'string',
      short: 't',
      description: 'Plan a bundled or installed template (or a template path) instead of deploy.yml',
      placeholder: 'NAME',
      complete: 'template',
    },
    'env-file': { type: 'string', description: 'The .env file (default: DIR/.env)', placeholder: 'FILE' },
    region: {
      type: 'string',
      description: "Region (default: region_default, else linode-cli's default region)",
      placeholder: 'REGION',
    },
    type: {
      type: 'string',
      description: "Linode plan (default: type_default, else linode-cli's default type)",
      placeholder: 'TYPE',
    },
    image: {
      type: 'string',
      description:
        "Linode image (default: the template's image, else linode-cli's default image, else linode/ubuntu24.04)",
      placeholder: 'IMAGE',
    },
    'app-name': { type: 'string', description: 'App name (default: the template name)', placeholder: 'NAME' },
    env: { type: 'string', description: 'Environment name (default: default)', placeholder: 'ENV' },
    replicas: {
      type: 'number',
      description: 'Instances behind a Linode NodeBalancer, 1-20 (default: deploy.linode.replicas, else 1)',
      placeholder: 'N',
    },
    ttl: ttlOption,
    idle: idleOption,
    'user-data-encoding': {
      type: 'string',
      description:
        'gzip or plain (default: gzip on linode/ubuntu22.04 and newer, whose cloud-init unpacks it; plain otherwise)',
      placeholder: 'ENC',
    },
    out: {
      type: 'string',
      description:
        'Write user-data.yaml (+ .gz when gzipped), create-request.json and firewall-request.json here',
      placeholder: 'DIR',
    },
    json: { type: 'boolean', description: 'Print the plan as one JSON document' },
  },
  examples: [
    { command: 'linode-build plan', description: 'Plan the project in the current directory' },
    {
      command: 'linode-build plan --template llm-api',
      description: 'Plan a bundled template, no .env needed',
    },
    {
      command: 'linode-build plan --out ./plan-out',
      description: 'Also write the exact user-data and API requests to ./plan-out',
    },
    { command: 'linode-build plan --json | jq .size', description: 'The user-data byte budget as JSON' },
  ],
});

export const planCommand = defineCommand(planSpec, async (args, context) => {
  const { options } = args;
  const { showPlan } = await import('../../deploy/plan-command.js');
  return showPlan(
    { ...targetRequest(options), template: options.template, out: options.out, json: options.json },
    context,
  );
});
