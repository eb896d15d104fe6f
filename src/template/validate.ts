/**
 * validateTemplate: raw document → Template (normalised, defaults filled) plus every
 * diagnostic at once. Pure; the capability names are an input so that this module does not
 * depend on the capability set.
 */
import { locateDiagnostics, sortDiagnostics } from './diagnostics.js';
import { normalizeTemplate } from './normalize.js';
import { type PositionMap, parseTemplateText } from './parse.js';
import { checkRules } from './rules.js';
import { checkTemplateSchema } from './schema-errors.js';
import type { Diagnostic, Template } from './types.js';

export interface ValidateOptions {
  readonly file: string;
  readonly positions?: PositionMap;
  readonly knownCapabilities: ReadonlySet<string>;
  /** Deprecated name → current name (e.g. nodejs-18 → nodejs-20). */
  readonly capabilityAliases?: ReadonlyMap<string, string>;
}

export interface ValidationResult {
  /** Present only when there are no errors. */
  readonly template?: Template;
  readonly diagnostics: Diagnostic[];
}

export function validateTemplate(raw: unknown, options: ValidateOptions): ValidationResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const what =
      raw === null || raw === undefined ? 'empty' : Array.isArray(raw) ? 'a list' : `a ${typeof raw}`;
    return {
      diagnostics: locateDiagnostics(
        [
          {
            severity: 'error',
            path: '',
            message: `a template must be a YAML mapping, but this file is ${what}`,
            hint: 'Start from `linode-build templates scaffold NAME` or a bundled template.',
          },
        ],
        options.file,
        options.positions,
      ),
    };
  }
  const document = raw as Record<string, unknown>;
  const schemaDiagnostics = checkTemplateSchema(document);
  const ruleDiagnostics = checkRules(document, options);
  // A rule that explains a value better (e.g. runtime k3s) replaces the schema's generic error.
  const explained = new Set(ruleDiagnostics.filter((d) => d.severity === 'error').map((d) => d.path));
  const diagnostics = sortDiagnostics(
    locateDiagnostics(
      [...schemaDiagnostics.filter((d) => !explained.has(d.path)), ...ruleDiagnostics],
      options.file,
      options.positions,
    ),
  );
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  return { template: normalizeTemplate(document, options.capabilityAliases ?? new Map()), diagnostics };
}

/** Parse and validate YAML text in one step (pure): syntax errors, or the validation result. */
export function validateTemplateText(
  text: string,
  options: Omit<ValidateOptions, 'positions'>,
): ValidationResult {
  const parsed = parseTemplateText(text, options.file);
  if (parsed.diagnostics.length > 0) return { diagnostics: parsed.diagnostics };
  return validateTemplate(parsed.value, { ...options, positions: parsed.positions });
}
