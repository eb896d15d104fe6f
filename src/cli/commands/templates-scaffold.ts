import { commandSpec, defineCommand } from '../framework/command.js';

export const templatesScaffoldSpec = commandSpec({
  name: 'templates scaffold',
  summary: 'Create a new template directory that validates and deploys as written',
  description:
    'Writes NAME/template.yml, README.md and .env.example. On a terminal it asks for each answer not given as a flag; otherwise (or with --yes) flags and defaults are used. Without --image the container is a small demo web server, so the result deploys as is. With --llm-assist it also writes llm-instructions.md (the template schema, every capability with its config and example, two bundled templates, your answers and the validate command) for an LLM to complete the template.',
  positionals: [
    { name: 'name', description: 'Template name: lowercase letters, digits and -', required: true },
  ],
  options: {
    'display-name': {
      type: 'string',
      description: 'Human-readable name (default: NAME title-cased)',
      placeholder: 'TEXT',
    },
    description: { type: 'string', description: 'What the template deploys', placeholder: 'TEXT' },
    runtime: {
      type: 'string',
      description: 'How the app runs (default docker)',
      choices: ['docker', 'native'],
    },
    gpu: { type: 'boolean', description: 'Use an NVIDIA GPU plan and the gpu-nvidia feature' },
    image: {
      type: 'string',
      description: 'Container image (default: a demo web server)',
      placeholder: 'IMAGE',
    },
    'internal-port': {
      type: 'number',
      description: 'Port the app listens on in the container (default 8000)',
    },
    'external-port': { type: 'number', description: 'Port published on the instance (default 80)' },
    'health-path': {
      type: 'string',
      description: 'HTTP health check path (default /health, or / for the demo server)',
      placeholder: 'PATH',
    },
    'llm-assist': {
      type: 'boolean',
      description: 'Also write llm-instructions.md: everything an LLM needs to complete the template',
    },
    'service-description': {
      type: 'string',
      description: 'With --llm-assist: what the service does, in your words',
      placeholder: 'TEXT',
    },
    dependencies: {
      type: 'string',
      description: 'With --llm-assist: what it needs, comma-separated (e.g. "redis, postgres, python")',
      placeholder: 'LIST',
    },
    'output-dir': { type: 'string', description: 'Where to create NAME/', placeholder: 'DIR', default: '.' },
    yes: { type: 'boolean', short: 'y', description: 'Do not ask; use flags and defaults' },
  },
  examples: [
    { command: 'linode-build templates scaffold my-api', description: 'Asks for the details on a terminal' },
    {
      command: 'linode-build templates scaffold my-api --image ghcr.io/me/api:1.0 --internal-port 8080 --yes',
      description: 'No questions: everything from flags',
    },
    {
      command: 'linode-build templates scaffold gpu-job --gpu --image vllm/vllm-openai:v0.6.3 --yes',
      description: 'A GPU template',
    },
    {
      command:
        'linode-build templates scaffold rag-api --llm-assist --service-description "RAG over our docs" --dependencies "postgres, redis" --yes',
      description: 'A stub plus llm-instructions.md for an LLM to complete',
    },
  ],
});

export const templatesScaffoldCommand = defineCommand(templatesScaffoldSpec, async (args, context) =>
  (await import('../../template/scaffold-command.js')).templatesScaffold(args, context),
);
