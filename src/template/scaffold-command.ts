import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { capabilityKnowledge } from '../capability/knowledge.js';
import { writeFilesAtomically } from '../catalog/write-files.js';
import type { CommandArgs, CommandContext } from '../cli/framework/command.js';
import { CliError, UsageError } from '../errors.js';
import { TemplateError } from './load.js';
import { titleCase } from './normalize.js';
import { type ScaffoldAnswers, scaffoldTemplate } from './scaffold.js';
import { validateTemplateText } from './validate.js';

export interface ScaffoldOptions {
  readonly 'output-dir': string;
  readonly 'display-name': string | undefined;
  readonly description: string | undefined;
  readonly runtime: string | undefined;
  readonly gpu: boolean;
  readonly image: string | undefined;
  readonly 'internal-port': number | undefined;
  readonly 'external-port': number | undefined;
  readonly 'health-path': string | undefined;
  readonly 'llm-assist': boolean;
  readonly 'service-description': string | undefined;
  readonly dependencies: string | undefined;
  readonly yes: boolean;
}

const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

function checkPort(flag: string, value: number | undefined): number | undefined {
  if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > 65535)) {
    throw new UsageError(
      `--${flag} must be a whole number from 1 to 65535; got ${value}.`,
      `For example: --${flag} 8080`,
    );
  }
  return value;
}

export type Ask = (question: string, fallback: string) => Promise<string>;

/** Asks, on a terminal, for every answer not given as a flag. */
export async function promptMissing(answers: ScaffoldAnswers, ask: Ask): Promise<ScaffoldAnswers> {
  const displayName = answers.displayName ?? (await ask('Display name', titleCase(answers.name)));
  const description = answers.description ?? (await ask('Description', `${displayName} on Linode.`));
  const runtime =
    answers.runtime ?? ((await ask('Runtime (docker/native)', 'docker')) === 'native' ? 'native' : 'docker');
  const gpu = answers.gpu ?? /^y(es)?$/i.test(await ask('NVIDIA GPU plan? (y/N)', 'n'));
  if (runtime === 'native') return { ...answers, displayName, description, runtime, gpu };
  const image = answers.image ?? ((await ask('Container image (empty: demo web server)', '')) || undefined);
  const askPort = async (flag: string, label: string, fallback: number) => {
    const text = await ask(label, String(fallback));
    return checkPort(flag, Number(text)) ?? fallback;
  };
  const internalPort =
    answers.internalPort ?? (await askPort('internal-port', 'Port inside the container', 8000));
  const externalPort = answers.externalPort ?? (await askPort('external-port', 'Published port', 80));
  const healthPath = answers.healthPath ?? (await ask('Health check path', image ? '/health' : '/'));
  return {
    ...answers,
    displayName,
    description,
    runtime,
    gpu,
    ...(image ? { image } : {}),
    internalPort,
    externalPort,
    healthPath,
  };
}

export async function templatesScaffold(
  args: CommandArgs<ScaffoldOptions, { readonly name: string | undefined }>,
  { out, cwd, interactive }: CommandContext,
) {
  const name = args.positionals.name!;
  if (!NAME_PATTERN.test(name)) {
    throw new UsageError(
      `'${name}' is not a valid template name.`,
      'Use lowercase letters, digits and -, starting with a letter or digit (e.g. my-api).',
    );
  }
  const options = args.options;
  const target = path.resolve(cwd, options['output-dir'], name);
  if (existsSync(target)) {
    throw new CliError(
      `${target} already exists.`,
      'Choose another name or --output-dir; scaffold never overwrites.',
    );
  }
  let answers: ScaffoldAnswers = {
    name,
    ...(options['display-name'] !== undefined ? { displayName: options['display-name'] } : {}),
    ...(options.description !== undefined ? { description: options.description } : {}),
    ...(options.runtime !== undefined ? { runtime: options.runtime as 'docker' | 'native' } : {}),
    ...(options.gpu ? { gpu: true } : {}),
    ...(options.image !== undefined ? { image: options.image } : {}),
    ...(options['internal-port'] !== undefined
      ? { internalPort: checkPort('internal-port', options['internal-port'])! }
      : {}),
    ...(options['external-port'] !== undefined
      ? { externalPort: checkPort('external-port', options['external-port'])! }
      : {}),
    ...(options['health-path'] !== undefined ? { healthPath: options['health-path'] } : {}),
  };
  if (interactive && !options.yes) {
    const readline = createInterface({ input: process.stdin, output: process.stderr });
    try {
      answers = await promptMissing(answers, async (question, fallback) => {
        const reply = (await readline.question(`${question}${fallback ? ` [${fallback}]` : ''}: `)).trim();
        return reply === '' ? fallback : reply;
      });
    } finally {
      readline.close();
    }
  }

  const files = scaffoldTemplate(answers);
  // The scaffold must validate as written; check before anything touches the disk.
  const shown = path.join(path.relative(cwd, target) || '.', 'template.yml');
  const result = validateTemplateText(files['template.yml'], {
    ...(await capabilityKnowledge()),
    file: shown,
  });
  if (!result.template) throw new TemplateError(shown, result.diagnostics);
  const written: Record<string, string> = { ...files };
  if (options['llm-assist']) {
    const { llmAssistFile } = await import('../llm-assist/build.js');
    written['llm-instructions.md'] = await llmAssistFile({
      answers,
      serviceDescription: options['service-description'],
      dependencies: options.dependencies,
      interactive: interactive && !options.yes,
      templateYaml: files['template.yml'],
      directory: path.relative(cwd, target) || '.',
    });
  }
  writeFilesAtomically(target, new Map(Object.entries(written)));

  const relative = path.relative(cwd, target) || '.';
  out.line(`${out.style('green', '✓')} Created template '${name}' in ${relative}`);
  for (const file of Object.keys(written)) out.line(`  ${file}`);
  if (options['llm-assist'])
    out.line(`\nGive ${relative}/llm-instructions.md to an LLM to complete template.yml.`);
  out.line('\nNext steps:');
  out.line(`  linode-build templates validate ${relative}`);
  out.line(`  linode-build templates install ${relative}   # then: linode-build init ${name}`);
}
