/**
 * Where templates live, found without parsing them: the cheap part of the catalog, which
 * `templates list` uses before deciding whether anything needs (re)validating.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { CapabilityKnowledge } from '../capability/knowledge.js';
import { packageRoot, statePaths } from '../paths.js';
import { countBySeverity } from '../template/diagnostics.js';
import type { Diagnostic, TemplateSource } from '../template/types.js';
import { TEMPLATE_FILE } from './paths.js';

export interface CatalogOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly knowledge?: CapabilityKnowledge;
  /** Overrides the bundled templates directory (tests). */
  readonly bundledDirectory?: string;
}

export interface CatalogEntry {
  readonly name: string;
  readonly source: Exclude<TemplateSource, 'path'>;
  readonly file: string;
  readonly display_name?: string;
  readonly version?: string;
  readonly description?: string;
  /** A user template that hides a bundled one of the same name. */
  readonly overridesBundled: boolean;
  /** Present when the template does not load; it is listed anyway, marked broken. */
  readonly diagnostics: readonly Diagnostic[];
  readonly valid: boolean;
}

export function bundledTemplatesDirectory(options: CatalogOptions = {}): string {
  return options.bundledDirectory ?? path.join(packageRoot(), 'templates');
}

export function userTemplatesDirectory(options: CatalogOptions = {}): string {
  return statePaths.userTemplates(options.env);
}

export interface DiscoveredTemplate {
  readonly name: string;
  readonly file: string;
  readonly source: CatalogEntry['source'];
  readonly overridesBundled: boolean;
}

/** Sub-directories holding a template.yml. */
function templateDirectories(directory: string): { name: string; file: string }[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  return names
    .filter((name) => !name.startsWith('.'))
    .map((name) => ({ name, file: path.join(directory, name, TEMPLATE_FILE) }))
    .filter(({ file }) => existsSync(file));
}

/** Bundled and user template files, user ones hiding bundled ones of the same name, sorted by name. */
export function discoverTemplates(options: CatalogOptions = {}): DiscoveredTemplate[] {
  const bundled = templateDirectories(bundledTemplatesDirectory(options));
  const user = templateDirectories(userTemplatesDirectory(options));
  const userNames = new Set(user.map((entry) => entry.name));
  const bundledNames = new Set(bundled.map((entry) => entry.name));
  // Code-point order: localeCompare would load ICU collation data, a measurable start-up cost.
  return [
    ...user.map(({ name, file }) => ({
      name,
      file,
      source: 'user' as const,
      overridesBundled: bundledNames.has(name),
    })),
    ...bundled
      .filter(({ name }) => !userNames.has(name))
      .map(({ name, file }) => ({ name, file, source: 'bundled' as const, overridesBundled: false })),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** One-line summary of a broken entry, for list output. */
export function problemSummary(entry: CatalogEntry): string {
  const first = entry.diagnostics.find((d) => d.severity === 'error');
  const { errors } = countBySeverity(entry.diagnostics);
  return first ? `${first.message}${errors > 1 ? ` (+${errors - 1} more)` : ''}` : '';
}
