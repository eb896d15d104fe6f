/**
 * Gathers what llm-instructions.md embeds — the template schema, the capability reference from
 * the capability set, two bundled templates — and renders it. The only I/O of --llm-assist.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { renderCapabilityDocs } from '../capability/docs.js';
import { capabilityNames } from '../capability/set.js';
import { packageRoot } from '../paths.js';
import { completeAnswers, type ScaffoldAnswers } from '../template/scaffold.js';
import { llmAnswers } from './answers.js';
import { mapDependencies, splitDependencies } from './dependencies.js';
import { type InstructionAnswers, renderLlmInstructions } from './instructions.js';

/** One GPU and one CPU example; the first matches the user's GPU answer. */
export function exampleTemplates(gpu: boolean): readonly [string, string] {
  return gpu ? ['llm-api', 'chat-agent'] : ['chat-agent', 'llm-api'];
}

export interface LlmAssistInput {
  readonly answers: InstructionAnswers;
  /** Comma-separated dependencies as the user typed them. */
  readonly dependencies: string;
  readonly templateYaml: string;
  readonly directory: string;
}

export async function buildLlmInstructions(input: LlmAssistInput): Promise<string> {
  const root = packageRoot();
  const read = (...parts: string[]) => readFile(path.join(root, ...parts), 'utf8');
  const [templateSchema, examples] = await Promise.all([
    read('schema', 'template.schema.json'),
    Promise.all(
      exampleTemplates(input.answers.gpu).map(async (name) => ({
        name,
        text: await read('templates', name, 'template.yml'),
      })),
    ),
  ]);
  return renderLlmInstructions({
    answers: input.answers,
    dependencies: mapDependencies(splitDependencies(input.dependencies), new Set(capabilityNames())),
    templateYaml: input.templateYaml,
    templateSchema,
    capabilityDocs: renderCapabilityDocs(),
    examples,
    directory: input.directory,
  });
}

export interface LlmAssistFileInput {
  readonly answers: ScaffoldAnswers;
  readonly serviceDescription: string | undefined;
  readonly dependencies: string | undefined;
  /** Ask for missing answers on the terminal. */
  readonly interactive: boolean;
  readonly templateYaml: string;
  readonly directory: string;
}

/** llm-instructions.md for `templates scaffold --llm-assist`, asking what flags left out. */
export async function llmAssistFile(input: LlmAssistFileInput): Promise<string> {
  const complete = completeAnswers(input.answers);
  const extra = await llmAnswers({
    fallbackDescription: complete.description,
    serviceDescription: input.serviceDescription,
    dependencies: input.dependencies,
    interactive: input.interactive,
  });
  return buildLlmInstructions({
    answers: { ...complete, serviceDescription: extra.serviceDescription },
    dependencies: extra.dependencies,
    templateYaml: input.templateYaml,
    directory: input.directory,
  });
}
