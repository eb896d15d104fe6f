/**
 * `templates scaffold`: answers → a template that validates and deploys as written (no TODO
 * placeholders in fields), plus its README.md and .env.example. Pure.
 */
import { stringify } from 'yaml';
import { titleCase } from './normalize.js';
import { renderEnvExample } from './project.js';
import { EXAMPLE_GPU_PLANS } from './rules.js';

export interface ScaffoldAnswers {
  readonly name: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly runtime?: 'docker' | 'native';
  readonly gpu?: boolean;
  /** Container image; absent means a small demo web server, so the result still deploys. */
  readonly image?: string;
  readonly internalPort?: number;
  readonly externalPort?: number;
  readonly healthPath?: string;
}

/** The image used when none is given: it serves HTTP on the internal port with no build step. */
export const DEMO_IMAGE = 'python:3.12-slim';
export const SCAFFOLD_CPU_PLAN = 'g6-standard-2';
export const SCAFFOLD_REGION = 'us-ord';

export interface ScaffoldFiles {
  readonly 'template.yml': string;
  readonly 'README.md': string;
  readonly '.env.example': string;
}

/** The answers with every default applied (what the files will contain). */
export function completeAnswers(answers: ScaffoldAnswers): Required<Omit<ScaffoldAnswers, 'image'>> & {
  image?: string;
} {
  const runtime = answers.runtime ?? 'docker';
  return {
    name: answers.name,
    displayName: answers.displayName ?? titleCase(answers.name),
    description: answers.description ?? `${titleCase(answers.name)} on Linode.`,
    runtime,
    gpu: answers.gpu ?? false,
    ...(answers.image ? { image: answers.image } : {}),
    internalPort: answers.internalPort ?? 8000,
    externalPort: answers.externalPort ?? 80,
    // The demo server answers on '/', not on '/health'.
    healthPath: answers.healthPath ?? (answers.image ? '/health' : '/'),
  };
}

export function scaffoldTemplate(input: ScaffoldAnswers): ScaffoldFiles {
  const answers = completeAnswers(input);
  const features = [...(answers.gpu ? ['gpu-nvidia', 'docker-optimize'] : []), 'buildwatch'].filter(
    (feature) => answers.runtime === 'docker' || feature !== 'docker-optimize',
  );
  const linode: Record<string, unknown> = {
    image: answers.gpu ? 'linode/ubuntu22.04' : 'linode/ubuntu24.04',
    region_default: SCAFFOLD_REGION,
    type_default: answers.gpu ? EXAMPLE_GPU_PLANS[0] : SCAFFOLD_CPU_PLAN,
    tags: [answers.name],
  };
  const document: Record<string, unknown> = {
    name: answers.name,
    display_name: answers.displayName,
    version: '0.1.0',
    description: `${answers.description.trim()}\n`,
    capabilities: { runtime: answers.runtime, features },
    deploy: { target: 'linode', linode },
  };
  if (answers.runtime === 'docker') {
    linode.container = {
      image: answers.image ?? DEMO_IMAGE,
      internal_port: answers.internalPort,
      external_port: answers.externalPort,
      ...(answers.image ? {} : { command: ['python', '-m', 'http.server', String(answers.internalPort)] }),
      env: {},
      health: {
        type: 'http',
        path: answers.healthPath,
        port: answers.internalPort,
        success_codes: [200],
        initial_delay_seconds: answers.gpu ? 300 : 60,
        timeout_seconds: 5,
        interval_seconds: 10,
        max_retries: 30,
      },
    };
  } else {
    document.setup = { script: nativeScript(answers.name, answers.externalPort) };
  }
  document.env = { required: [], optional: [] };
  document.guidance = {
    summary: `${answers.displayName} listens on port ${answers.externalPort}.\n`,
    examples: [
      {
        description: 'Check that it answers',
        command: `curl http://{host}${answers.externalPort === 80 ? '' : `:${answers.externalPort}`}${answers.runtime === 'docker' ? answers.healthPath : '/'}`,
      },
    ],
  };

  const header = [
    `# ${answers.displayName}: a linode-build template.`,
    '# Field reference: docs/templates.md. Check it with: linode-build templates validate .',
    '',
  ].join('\n');
  const templateText = header + stringify(document, { lineWidth: 0 });
  return {
    'template.yml': templateText,
    'README.md': scaffoldReadme(
      answers.name,
      answers.displayName,
      answers.description,
      answers.image === undefined,
    ),
    '.env.example': renderEnvExample({
      display_name: answers.displayName,
      env: { required: [], optional: [] },
    }),
  };
}

/** A native-runtime start script that deploys as is: a static web server as a systemd service. */
function nativeScript(name: string, port: number): string {
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    `mkdir -p /srv/${name}`,
    `echo '<h1>${name} is running</h1>' > /srv/${name}/index.html`,
    `cat > /etc/systemd/system/${name}.service <<'UNIT'`,
    '[Unit]',
    `Description=${name}`,
    'After=network-online.target',
    '',
    '[Service]',
    `ExecStart=/usr/bin/python3 -m http.server ${port} --directory /srv/${name}`,
    'Restart=always',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    'UNIT',
    'systemctl daemon-reload',
    `systemctl enable --now ${name}.service`,
    '',
  ].join('\n');
}

function scaffoldReadme(name: string, displayName: string, description: string, demoImage: boolean): string {
  return [
    `# ${displayName}`,
    '',
    description.trim(),
    '',
    '## Develop',
    '',
    '```sh',
    'linode-build templates validate .',
    `linode-build init ./${name} --directory ../${name}-project   # try it as a project`,
    `linode-build templates install .                          # or install it for \`init ${name}\``,
    '```',
    '',
    ...(demoImage
      ? [
          `The container is a small demo web server (${DEMO_IMAGE}); set \`deploy.linode.container.image\``,
          'to your own image and adjust `internal_port` and the health check.',
          '',
        ]
      : []),
  ].join('\n');
}
