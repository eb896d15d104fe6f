/**
 * llm-instructions.md: everything an LLM needs to turn a scaffolded stub into the user's
 * template, in one file. Pure: the schema, capability reference and examples are passed in
 * (generated from the capability set and read from the bundled templates by the caller).
 */
import type { DependencyMapping } from './dependencies.js';

export interface InstructionAnswers {
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly serviceDescription: string;
  readonly runtime: 'docker' | 'native';
  readonly gpu: boolean;
  readonly image?: string;
  readonly internalPort: number;
  readonly externalPort: number;
  readonly healthPath: string;
}

export interface InstructionsInput {
  readonly answers: InstructionAnswers;
  readonly dependencies: readonly DependencyMapping[];
  /** The stub template.yml as written next to this file. */
  readonly templateYaml: string;
  /** schema/template.schema.json, as text. */
  readonly templateSchema: string;
  /** The capability reference (renderCapabilityDocs()). */
  readonly capabilityDocs: string;
  readonly examples: readonly { readonly name: string; readonly text: string }[];
  /** The template directory as the user would type it, for the validate command. */
  readonly directory: string;
}

/** A code fence longer than any backtick run inside `text`, so embedded fences cannot end it. */
export function fenced(language: string, text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text.replace(/\n$/, '')}\n${fence}`;
}

/** Pushes every Markdown heading down `levels`, leaving code blocks alone. */
export function demoteHeadings(markdown: string, levels: number): string {
  let fence: string | undefined;
  return markdown
    .split('\n')
    .map((line) => {
      const opener = /^(`{3,}|~{3,})/.exec(line)?.[1];
      if (opener && (fence === undefined || line.startsWith(fence))) {
        fence = fence === undefined ? opener : undefined;
        return line;
      }
      return fence === undefined && /^#{1,6} /.test(line) ? `${'#'.repeat(levels)}${line}` : line;
    })
    .join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function answerRows(answers: InstructionAnswers): string[] {
  const rows: [string, string][] = [
    ['Template name', `\`${answers.name}\` (keep it)`],
    ['Display name', answers.displayName],
    ['Description', oneLine(answers.description)],
    ['What the service does', oneLine(answers.serviceDescription)],
    ['Runtime', answers.runtime],
    ['NVIDIA GPU', answers.gpu ? 'yes' : 'no'],
    ['Container image', answers.image ?? 'none given (the stub runs a demo web server; replace it)'],
    ['Port inside the container', String(answers.internalPort)],
    ['Port published on the instance', String(answers.externalPort)],
    ['Health check path', answers.healthPath],
  ];
  return [
    '| Question | Answer |',
    '| --- | --- |',
    ...rows.map(([q, a]) => `| ${q} | ${a.replace(/\|/g, '\\|')} |`),
  ];
}

function dependencyLines(dependencies: readonly DependencyMapping[]): string[] {
  if (dependencies.length === 0) return ['The user named no dependencies.'];
  return [
    '| Dependency | Capability to add under `capabilities.features` | Note |',
    '| --- | --- | --- |',
    ...dependencies.map(
      (d) =>
        `| ${d.input.replace(/\|/g, '\\|')} | ${d.capability ? `\`${d.capability}\`` : '—'} | ${d.note ?? ''} |`,
    ),
  ];
}

export function renderLlmInstructions(input: InstructionsInput): string {
  const { answers } = input;
  const validate = `linode-build templates validate ${input.directory}`;
  return [
    `# Instructions: complete the linode-build template \`${answers.name}\``,
    '',
    '<!-- Written by `linode-build templates scaffold --llm-assist`. Give this whole file to an LLM. -->',
    '',
    '## Your task',
    '',
    `You are completing a deployment template for linode-build, a tool that deploys apps to Linode from a declarative \`template.yml\`. The directory \`${input.directory}\` holds a minimal template that is already valid. Edit its \`template.yml\` (and \`README.md\`) so that it deploys the service described below. Use only fields defined by the JSON Schema and capabilities listed in this file; do not invent others.`,
    '',
    "1. Read the user's answers and the dependency mapping below.",
    '2. Start from the current `template.yml`; keep `name`, and keep it valid at every step.',
    '3. Add each mapped capability to `capabilities.features` (with `config` only for keys its table lists).',
    '4. Set the container image, ports and health check from the answers; put environment variable NAMES under `env.required` / `env.optional` — never a secret value in the file.',
    `5. Run \`${validate}\` and fix every error it reports (each names the field and says what to do). Repeat until it prints no errors.`,
    '',
    "## The user's answers",
    '',
    ...answerRows(answers),
    '',
    '## Dependencies mapped to capabilities',
    '',
    ...dependencyLines(input.dependencies),
    '',
    '## Validate',
    '',
    fenced('sh', validate),
    '',
    'The template is done when this command exits 0 with no errors. Then try it with `linode-build plan` in a project made by `linode-build init`.',
    '',
    '## The current template.yml',
    '',
    fenced('yaml', input.templateYaml),
    '',
    '## Template JSON Schema',
    '',
    'Every field a template may contain (schema/template.schema.json):',
    '',
    fenced('json', input.templateSchema),
    '',
    '## Capability reference',
    '',
    'Generated from the capability set: every capability a template may list, with its config schema and an example.',
    '',
    demoteHeadings(input.capabilityDocs.trim(), 2),
    '',
    '## Worked examples',
    '',
    'Complete templates bundled with linode-build, for style and structure:',
    '',
    ...input.examples.flatMap((example) => [`### ${example.name}`, '', fenced('yaml', example.text), '']),
  ].join('\n');
}
