/**
 * The I/O side of loading a template: read the file (size-capped), parse, validate, and read
 * the files that `setup.files[].source` names. Failures throw TemplateError with every
 * diagnostic.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors.js';
import { countBySeverity, formatDiagnostics, plural } from './diagnostics.js';
import { MAX_TEMPLATE_BYTES } from './parse.js';
import type { Diagnostic, LoadedTemplate, SetupFile, Template, TemplateSource } from './types.js';
import { type ValidateOptions, validateTemplateText } from './validate.js';

/** A template that failed to load: carries all diagnostics; the message lists them. */
export class TemplateError extends CliError {
  readonly diagnostics: readonly Diagnostic[];
  readonly file: string;

  constructor(file: string, diagnostics: readonly Diagnostic[], hint?: string) {
    const { errors } = countBySeverity(diagnostics);
    super(
      `${file} is not a valid template (${plural(errors, 'error')}):\n${formatDiagnostics(diagnostics)}`,
      hint ?? `Fix the problems above, then check again with 'linode-build templates validate ${file}'.`,
    );
    this.name = 'TemplateError';
    this.file = file;
    this.diagnostics = diagnostics;
  }
}

export type LoadOptions = Omit<ValidateOptions, 'file' | 'positions'> & {
  readonly source?: TemplateSource;
  /** How the file is named in messages (default: the path as given). */
  readonly displayPath?: string;
};

export interface TemplateCheck {
  readonly file: string;
  readonly template?: Template;
  readonly diagnostics: Diagnostic[];
}

function fileProblem(file: string, message: string, hint: string): TemplateCheck {
  return { file, diagnostics: [{ severity: 'error', path: '', message, hint, file }] };
}

/** Reads and validates without throwing: what `templates validate` and `templates list` need. */
export function checkTemplateFile(file: string, options: LoadOptions): TemplateCheck {
  const shown = options.displayPath ?? file;
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_TEMPLATE_BYTES) {
      return fileProblem(
        shown,
        `file is ${size} bytes; templates are limited to ${MAX_TEMPLATE_BYTES} bytes`,
        'Move large content out of the template (e.g. into the container image).',
      );
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? fileProblem(
          shown,
          'file not found',
          'Check the path (a directory must contain template.yml or deploy.yml).',
        )
      : fileProblem(shown, `cannot read the file (${code ?? String(error)})`, 'Check its permissions.');
  }
  const result = validateTemplateText(text, { ...options, file: shown });
  if (!result.template) return { file: shown, diagnostics: result.diagnostics };
  const sourced = readSourcedFiles(result.template, path.dirname(file), shown);
  if ('diagnostics' in sourced)
    return { file: shown, diagnostics: [...result.diagnostics, ...sourced.diagnostics] };
  return { file: shown, template: sourced.template, diagnostics: result.diagnostics };
}

/** Loads a valid template or throws TemplateError listing every problem. */
export function loadTemplateFile(file: string, options: LoadOptions): LoadedTemplate {
  const check = checkTemplateFile(file, options);
  if (!check.template) throw new TemplateError(check.file, check.diagnostics);
  return {
    template: check.template,
    file: path.resolve(file),
    source: options.source ?? 'path',
    warnings: check.diagnostics.filter((d) => d.severity === 'warning'),
  };
}

/** Fills `content` of setup files that name a `source`, refusing anything outside the template directory. */
function readSourcedFiles(
  template: Template,
  directory: string,
  shown: string,
): { template: Template } | { diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const files: SetupFile[] = template.setup.files.map((file, index) => {
    if (file.source === undefined) return file;
    const where = `setup.files[${index}].source`;
    const resolved = resolveInside(directory, file.source);
    if (!resolved) {
      diagnostics.push({
        severity: 'error',
        path: where,
        message: `source ${JSON.stringify(file.source)} is outside the template directory`,
        hint: 'Name a file inside the template directory (symbolic links out of it are refused).',
        file: shown,
      });
      return file;
    }
    try {
      const size = statSync(resolved).size;
      if (size > MAX_TEMPLATE_BYTES) throw new Error(`${size} bytes`);
      return { ...file, content: readFileSync(resolved, 'utf8') };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      diagnostics.push({
        severity: 'error',
        path: where,
        message: `cannot read source ${JSON.stringify(file.source)} (${code ?? (error as Error).message})`,
        hint: 'Create the file next to the template, or use inline content.',
        file: shown,
      });
      return file;
    }
  });
  if (diagnostics.length > 0) return { diagnostics };
  return { template: { ...template, setup: { ...template.setup, files } } };
}

/** The real path of `relative` under `directory`, or undefined when it escapes it (.., absolute, symlink). */
export function resolveInside(directory: string, relative: string): string | undefined {
  if (path.isAbsolute(relative)) return undefined;
  const base = safeRealpath(directory) ?? path.resolve(directory);
  const candidate = path.resolve(base, relative);
  const real = safeRealpath(candidate) ?? candidate;
  const inside = path.relative(base, real);
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) return undefined;
  return real;
}

function safeRealpath(target: string): string | undefined {
  try {
    return realpathSync(target);
  } catch {
    return undefined;
  }
}
