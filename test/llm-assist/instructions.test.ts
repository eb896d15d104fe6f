/**
 * llm-instructions.md: generated from the capability set (every capability, its config keys and its
 * example), the real template schema, two bundled templates, the answers and the validate
 * command; and the stub beside it validates with the real validator.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { capabilityKnowledge } from '../../src/capability/knowledge.js';
import { schemaProperties } from '../../src/capability/schema-defaults.js';
import { listCapabilities } from '../../src/capability/set.js';
import { llmAnswers } from '../../src/llm-assist/answers.js';
import { buildLlmInstructions, exampleTemplates, llmAssistFile } from '../../src/llm-assist/build.js';
import { demoteHeadings, fenced } from '../../src/llm-assist/instructions.js';
import { completeAnswers, type ScaffoldAnswers, scaffoldTemplate } from '../../src/template/scaffold.js';
import { validateTemplateText } from '../../src/template/validate.js';
import { repoRoot } from '../support/cli.js';

async function instructionsFor(answers: ScaffoldAnswers, dependencies = 'redis, postgres') {
  const stub = scaffoldTemplate(answers)['template.yml'];
  const text = await buildLlmInstructions({
    answers: { ...completeAnswers(answers), serviceDescription: 'Answers questions about our docs.' },
    dependencies,
    templateYaml: stub,
    directory: `templates/${answers.name}`,
  });
  return { stub, text };
}

/** The body of the first fenced block after `heading`. */
function blockAfter(text: string, heading: string): string {
  const start = text.indexOf(heading);
  const match = /(`{3,})\w*\n([\s\S]*?)\n\1/.exec(text.slice(start));
  if (start < 0 || !match) throw new Error(`no block after ${heading}`);
  return match[2]!;
}

describe('llm-instructions.md', () => {
  it('documents every registered capability with its config keys and example', async () => {
    const { text } = await instructionsFor({ name: 'rag-api' });
    const definitions = listCapabilities();
    expect(definitions.length).toBeGreaterThan(5);
    for (const definition of definitions) {
      expect(text, definition.name).toContain(`#### ${definition.name}\n`);
      expect(text, definition.name).toContain(definition.example.trim());
      for (const key of Object.keys(schemaProperties(definition.configSchema))) {
        expect(text, `${definition.name}.${key}`).toContain(`\`${key}\``);
      }
    }
  });

  it('embeds the real template schema, the stub, two bundled templates and the validate command', async () => {
    const { stub, text } = await instructionsFor({ name: 'rag-api', gpu: true, image: 'ghcr.io/me/rag:1' });
    const schema = readFileSync(path.join(repoRoot, 'schema/template.schema.json'), 'utf8');
    expect(JSON.parse(blockAfter(text, '## Template JSON Schema'))).toEqual(JSON.parse(schema));
    expect(blockAfter(text, '## The current template.yml')).toBe(stub.trimEnd());
    const [first, second] = exampleTemplates(true);
    expect(first).toBe('llm-api');
    for (const name of [first, second]) {
      const bundled = readFileSync(path.join(repoRoot, 'templates', name, 'template.yml'), 'utf8');
      expect(blockAfter(text, `### ${name}`)).toBe(bundled.trimEnd());
    }
    expect(blockAfter(text, '## Validate')).toBe('linode-build templates validate templates/rag-api');
  });

  it("states the user's answers and the dependency mapping", async () => {
    const { text } = await instructionsFor(
      {
        name: 'rag-api',
        gpu: true,
        image: 'ghcr.io/me/rag:1',
        internalPort: 9000,
        externalPort: 8080,
        healthPath: '/ready',
      },
      'redis, postgres, ffmpeg',
    );
    expect(text).toContain('| What the service does | Answers questions about our docs. |');
    expect(text).toContain('| NVIDIA GPU | yes |');
    expect(text).toContain('| Container image | ghcr.io/me/rag:1 |');
    expect(text).toContain('| Port inside the container | 9000 |');
    expect(text).toContain('| Port published on the instance | 8080 |');
    expect(text).toContain('| Health check path | /ready |');
    expect(text).toMatch(/\| redis \| `redis` \|/);
    expect(text).toMatch(/\| postgres \| `postgresql-16` \|/);
    expect(text).toMatch(/\| ffmpeg \| — \| no capability provides it/);
  });

  it('writes a stub that the real validator accepts as written, for every kind of answer', async () => {
    const knowledge = await capabilityKnowledge();
    const cases: ScaffoldAnswers[] = [
      { name: 'plain' },
      { name: 'gpu-job', gpu: true, image: 'vllm/vllm-openai:v0.6.3', internalPort: 8000 },
      { name: 'native-svc', runtime: 'native', externalPort: 8080 },
    ];
    for (const answers of cases) {
      const { stub } = await instructionsFor(answers);
      const result = validateTemplateText(stub, { ...knowledge, file: 'template.yml' });
      expect(
        result.diagnostics.filter((d) => d.severity === 'error'),
        answers.name,
      ).toEqual([]);
      expect(result.template?.name).toBe(answers.name);
    }
  });

  it('llmAssistFile takes answers from flags without asking', async () => {
    const text = await llmAssistFile({
      answers: { name: 'svc' },
      serviceDescription: 'Serves embeddings.',
      dependencies: 'python',
      interactive: false,
      templateYaml: scaffoldTemplate({ name: 'svc' })['template.yml'],
      directory: 'svc',
    });
    expect(text).toContain('| What the service does | Serves embeddings. |');
    expect(text).toMatch(/\| python \| `python-3\.12` \|/);
  });
});

describe('answers for --llm-assist', () => {
  it('asks only for what flags left out, and never without a terminal', async () => {
    const asked: string[] = [];
    const ask = async (question: string, fallback: string) => {
      asked.push(question);
      return question.startsWith('Dependencies') ? 'redis' : fallback;
    };
    expect(
      await llmAnswers({
        fallbackDescription: 'X on Linode.',
        serviceDescription: 'Chat.',
        dependencies: undefined,
        interactive: true,
        ask,
      }),
    ).toEqual({ serviceDescription: 'Chat.', dependencies: 'redis' });
    expect(asked).toEqual(['Dependencies (e.g. redis, postgres, python)']);
    asked.length = 0;
    expect(
      await llmAnswers({
        fallbackDescription: 'X on Linode.',
        serviceDescription: undefined,
        dependencies: undefined,
        interactive: false,
        ask,
      }),
    ).toEqual({ serviceDescription: 'X on Linode.', dependencies: '' });
    expect(asked).toEqual([]);
  });
});

describe('markdown helpers', () => {
  it('fences text containing fences with a longer fence', () => {
    expect(fenced('md', 'a\n```yaml\nb\n```')).toBe('````md\na\n```yaml\nb\n```\n````');
    expect(fenced('sh', 'ls')).toBe('```sh\nls\n```');
  });

  it('demotes headings but not comment lines inside code blocks', () => {
    const input = '# Title\n\n## Part\n\n```yaml\n# a YAML comment\nkey: 1\n```\n### Sub';
    expect(demoteHeadings(input, 2)).toBe(
      '### Title\n\n#### Part\n\n```yaml\n# a YAML comment\nkey: 1\n```\n##### Sub',
    );
  });
});
