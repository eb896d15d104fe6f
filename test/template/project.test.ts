import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import {
  mergeGitignore,
  renderDeployFile,
  renderEnvExample,
  renderProjectReadme,
  schemaModeline,
} from '../../src/template/project.js';
import { completeAnswers, scaffoldTemplate } from '../../src/template/scaffold.js';
import { BASE_TEMPLATE, errorsOf, validateText } from './helpers.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const llmApi = readFileSync(path.join(repoRoot, 'templates/llm-api/template.yml'), 'utf8');

describe('renderDeployFile', () => {
  test('without overrides: the modeline, then the template byte for byte', () => {
    const deploy = renderDeployFile(llmApi, '/pkg/schema/template.schema.json');
    expect(deploy).toBe(`${schemaModeline('/pkg/schema/template.schema.json')}\n${llmApi}`);
  });

  test('an existing modeline is replaced, not repeated', () => {
    const once = renderDeployFile(llmApi, '/a.json');
    const twice = renderDeployFile(once, '/b.json');
    expect(twice.match(/yaml-language-server/g)).toHaveLength(1);
    expect(twice.startsWith('# yaml-language-server: $schema=/b.json\n')).toBe(true);
  });

  test('overrides change only their values; comments and block scalars stay', () => {
    const deploy = renderDeployFile(llmApi, '/s.json', {
      region: 'de-fra-2',
      type: 'g2-gpu-rtx4000a4-m',
      appName: 'support-bot',
    });
    const expected = llmApi
      .replace('region_default: us-ord', 'region_default: de-fra-2')
      .replace('type_default: g2-gpu-rtx4000a1-s', 'type_default: g2-gpu-rtx4000a4-m')
      .replace('name: llm-api\n', 'name: llm-api\napp_name: support-bot\n');
    expect(deploy).toBe(`# yaml-language-server: $schema=/s.json\n${expected}`);
    expect(deploy).toContain('# RTX 4000 Ada');
    expect(deploy).toContain('description: >\n  OpenAI-compatible');
  });

  test('a key the template lacks is added where it belongs', () => {
    const text = 'name: x\nversion: 1.0.0\ndeploy:\n  linode:\n    image: linode/ubuntu24.04 # the OS\n';
    const value = parse(renderDeployFile(text, '/s.json', { region: 'us-ord', appName: 'y' }));
    expect(value.deploy.linode.region_default).toBe('us-ord');
    expect(value.app_name).toBe('y');
    expect(renderDeployFile(text, '/s.json', { region: 'us-ord' })).toContain('# the OS');
  });

  test('values that YAML would misread are quoted', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), (region) => {
        const out = renderDeployFile(BASE_TEMPLATE, '/s.json', { region });
        expect(parse(out).deploy.linode.region_default).toBe(region);
      }),
    );
  });
});

describe('renderEnvExample', () => {
  test('required variables to fill in, optional ones commented, descriptions as comments', () => {
    const template = validateText(llmApi).template!;
    const text = renderEnvExample(template);
    expect(text).toMatch(/# Required\n\n# Hugging Face access token[^\n]*\nHF_TOKEN=\n/);
    expect(text).toMatch(
      /# Optional \(uncomment to set\)\n\n# Hugging Face model id[^\n]*\n# Smaller open models[^\n]*\n# MODEL_NAME=\n/,
    );
    expect(text.endsWith('\n')).toBe(true);
  });

  test('a template without variables says so', () => {
    const text = renderEnvExample({ display_name: 'X', env: { required: [], optional: [] } });
    expect(text).toContain('needs no environment variables');
  });
});

describe('mergeGitignore', () => {
  test('creates the entries', () => {
    expect(mergeGitignore(undefined)).toBe(
      '# linode-build: secrets and local deployment state\n.env\n.linode/\n',
    );
  });
  test('adds only what is missing, keeping the existing content', () => {
    expect(mergeGitignore('node_modules\n.env\n')).toBe(
      'node_modules\n.env\n\n# linode-build: secrets and local deployment state\n.linode/\n',
    );
  });
  test('nothing to add', () => {
    expect(mergeGitignore('/.env\n.linode/\n')).toBeUndefined();
  });
});

test('renderProjectReadme names the template and the commands', () => {
  const readme = renderProjectReadme(validateText(llmApi).template!);
  expect(readme).toMatch(/^# LLM API \(vLLM\)\n/);
  expect(readme).toContain('cp .env.example .env   # then fill in HF_TOKEN');
  expect(readme).toContain('linode-build deploy --wait');
});

describe('scaffoldTemplate', () => {
  const answers = fc.record(
    {
      name: fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/),
      displayName: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() !== ''),
      description: fc.string({ maxLength: 80 }),
      runtime: fc.constantFrom('docker' as const, 'native' as const),
      gpu: fc.boolean(),
      image: fc.constantFrom('ghcr.io/acme/api:1.0', 'nginx:1.27', 'vllm/vllm-openai:v0.6.3'),
      internalPort: fc.integer({ min: 1, max: 65535 }),
      externalPort: fc.integer({ min: 1, max: 65535 }),
      healthPath: fc.constantFrom('/', '/health', '/v1/models'),
    },
    { requiredKeys: ['name'] },
  );

  test('every combination of answers validates with no errors and no TODO', () => {
    fc.assert(
      fc.property(answers, (input) => {
        const files = scaffoldTemplate(input);
        const { template, diagnostics } = validateText(files['template.yml']);
        expect(errorsOf(diagnostics)).toEqual([]);
        expect(files['template.yml']).not.toMatch(/TODO/i);
        const complete = completeAnswers(input);
        expect(template?.name).toBe(input.name);
        expect(template?.display_name).toBe(complete.displayName);
        expect(template?.capabilities.runtime).toBe(complete.runtime);
        if (complete.runtime === 'docker') {
          expect(template?.deploy.linode.container?.internal_port).toBe(complete.internalPort);
          expect(template?.deploy.linode.container?.external_port).toBe(complete.externalPort);
          expect(template?.deploy.linode.container?.health?.path).toBe(complete.healthPath);
        }
        expect(template?.capabilities.features.some((f) => f.name === 'gpu-nvidia')).toBe(complete.gpu);
      }),
      { numRuns: 150 },
    );
  });

  test('defaults: the demo server, answering on /', () => {
    const template = validateText(scaffoldTemplate({ name: 'demo' })['template.yml']).template!;
    expect(template.deploy.linode.container).toMatchObject({
      image: 'python:3.12-slim',
      command: ['python', '-m', 'http.server', '8000'],
      internal_port: 8000,
      external_port: 80,
    });
    expect(template.deploy.linode.container?.health?.path).toBe('/');
  });
});
