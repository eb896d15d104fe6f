/**
 * The files `init` writes into a project: deploy.yml (the template text, comments and block
 * scalars kept, plus the schema modeline and flag overrides), .env.example, README.md and
 * .gitignore. Pure: text in, text out.
 */
import { isMap, isScalar, parseDocument } from 'yaml';
import type { EnvVarSpec, Template } from './types.js';

const MODELINE_PREFIX = '# yaml-language-server: $schema=';

export interface DeployOverrides {
  readonly region?: string;
  readonly type?: string;
  readonly appName?: string;
}

/** `# yaml-language-server: $schema=<schemaRef>`, the line editors read to check the file. */
export function schemaModeline(schemaRef: string): string {
  return `${MODELINE_PREFIX}${schemaRef}`;
}

/**
 * deploy.yml from the template's text. The template text is kept byte for byte (after the
 * modeline) except for the overridden values, which are replaced in place; a key the
 * template lacks is added through the YAML document model, which keeps comments and order.
 */
export function renderDeployFile(
  templateText: string,
  schemaRef: string,
  overrides: DeployOverrides = {},
): string {
  let body = templateText
    .split('\n')
    .filter((line) => !line.startsWith(MODELINE_PREFIX))
    .join('\n');
  const edits: [readonly string[], string | undefined][] = [
    [['deploy', 'linode', 'region_default'], overrides.region],
    [['deploy', 'linode', 'type_default'], overrides.type],
    [['app_name'], overrides.appName],
  ];
  for (const [keyPath, value] of edits) {
    if (value !== undefined) body = setScalar(body, keyPath, value);
  }
  return `${schemaModeline(schemaRef)}\n${body.endsWith('\n') ? body : `${body}\n`}`;
}

/** A YAML scalar for `value`: plain when that is unambiguous, otherwise double-quoted. */
function yamlScalar(value: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(value) &&
    !/^(true|false|null|yes|no|on|off|~)$/i.test(value) &&
    !/^[0-9.]+$/.test(value)
    ? value
    : JSON.stringify(value);
}

/** Sets one scalar, editing the text in place when the key exists, else through the document. */
function setScalar(text: string, keyPath: readonly string[], value: string): string {
  const document = parseDocument(text);
  const node = document.getIn(keyPath, true);
  if (isScalar(node) && node.range && !node.type?.startsWith('BLOCK')) {
    const [start, end] = node.range;
    return text.slice(0, start) + yamlScalar(value) + text.slice(end);
  }
  if (keyPath.length === 1 && isMap(document.contents)) {
    // A new top-level key goes on the line after `name:` (where a reader looks for it).
    const namePair = document.contents.items.find((pair) => isScalar(pair.key) && pair.key.value === 'name');
    const valueEnd = isScalar(namePair?.value) ? namePair.value.range?.[1] : undefined;
    if (valueEnd !== undefined) {
      const lineEnd = text.indexOf('\n', valueEnd);
      const at = lineEnd === -1 ? text.length : lineEnd;
      return `${text.slice(0, at)}\n${keyPath[0]}: ${yamlScalar(value)}${text.slice(at)}`;
    }
  }
  document.setIn(keyPath, value);
  return document.toString();
}

function commentLines(description: string): string[] {
  return description
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `# ${line.trimEnd()}`);
}

function envBlock(title: string, variables: readonly EnvVarSpec[], commented: boolean): string[] {
  const lines = [`# ${title}`, ''];
  for (const variable of variables) {
    lines.push(...commentLines(variable.description), `${commented ? '# ' : ''}${variable.name}=`, '');
  }
  return lines;
}

/** .env.example: required variables to fill in, optional ones commented out, each with its description. */
export function renderEnvExample(template: Pick<Template, 'display_name' | 'env'>): string {
  const { required, optional } = template.env;
  const lines = [
    `# Environment for ${template.display_name}. Copy to .env and fill in; .env is never committed.`,
    '',
  ];
  if (required.length === 0 && optional.length === 0) {
    lines.push('# This template needs no environment variables.', '');
  }
  if (required.length > 0) lines.push(...envBlock('Required', required, false));
  if (optional.length > 0) lines.push(...envBlock('Optional (uncomment to set)', optional, true));
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Lines `init` ensures in .gitignore: secrets and local deployment state never get committed. */
export const GITIGNORE_ENTRIES = ['.env', '.linode/'] as const;

/** The .gitignore content: the existing one plus any missing entries (undefined when nothing to add). */
export function mergeGitignore(existing: string | undefined): string | undefined {
  const present = new Set((existing ?? '').split('\n').map((line) => line.trim()));
  const missing = GITIGNORE_ENTRIES.filter((entry) => !present.has(entry) && !present.has(`/${entry}`));
  if (missing.length === 0) return undefined;
  const header = '# linode-build: secrets and local deployment state';
  if (existing === undefined || existing.trim() === '') return `${header}\n${missing.join('\n')}\n`;
  return `${existing.endsWith('\n') ? existing : `${existing}\n`}\n${header}\n${missing.join('\n')}\n`;
}

/** README.md for the new project. */
export function renderProjectReadme(template: Template): string {
  const hasEnv = template.env.required.length + template.env.optional.length > 0;
  const steps = [
    ...(hasEnv
      ? [
          `cp .env.example .env   # then fill in ${template.env.required.map((v) => v.name).join(', ') || 'the optional values you need'}`,
        ]
      : []),
    'linode-build plan          # see what will be created, without creating anything',
    'linode-build deploy --wait',
    'linode-build status',
    'linode-build destroy       # when you are done: instances cost money while they exist',
  ];
  const lines = [
    `# ${template.display_name}`,
    '',
    template.description,
    '',
    `Created from the \`${template.name}\` template (version ${template.version}) by \`linode-build init\`.`,
    '',
    '## Deploy',
    '',
    '```sh',
    ...steps,
    '```',
    '',
    '`deploy.yml` is the whole deployment: edit it, then check it with `linode-build templates validate deploy.yml`.',
  ];
  if (template.guidance?.summary) lines.push('', '## Using it', '', template.guidance.summary.trim());
  return `${lines.join('\n')}\n`;
}
