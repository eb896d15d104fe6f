/**
 * Where templates come from: bundled ones (templates/ in the package), user ones (installed
 * under the state directory, overriding bundled ones of the same name), or a path.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type CapabilityKnowledge, capabilityKnowledge } from '../capability/knowledge.js';
import { CliError } from '../errors.js';
import { checkTemplateFile, type LoadOptions, loadTemplateFile } from '../template/index.js';
import type { Diagnostic, LoadedTemplate, TemplateSource } from '../template/types.js';
import { closestMatch } from '../util/suggest.js';
import {
  bundledTemplatesDirectory,
  type CatalogEntry,
  type CatalogOptions,
  type DiscoveredTemplate,
  discoverTemplates,
  userTemplatesDirectory,
} from './locations.js';
import { looksLikePath, TEMPLATE_FILE, templateFileForPath } from './paths.js';

export { type InstallResult, installTemplate, uninstallTemplate } from './install.js';

export {
  bundledTemplatesDirectory,
  type CatalogEntry,
  type CatalogOptions,
  type DiscoveredTemplate,
  discoverTemplates,
  problemSummary,
  userTemplatesDirectory,
} from './locations.js';
export { DEPLOY_FILE, looksLikePath, TEMPLATE_FILE, templateFileForPath } from './paths.js';

function knowledgeOf(options: CatalogOptions): CapabilityKnowledge {
  return options.knowledge ?? capabilityKnowledge();
}

/** Loads one discovered template for the listing (never throws: problems become diagnostics). */
export function entryFor(candidate: DiscoveredTemplate, options: CatalogOptions = {}): CatalogEntry {
  const { name, file, source, overridesBundled } = candidate;
  const check = checkTemplateFile(file, { ...knowledgeOf(options), source });
  const template = check.template;
  const nameProblem: Diagnostic[] =
    template && template.name !== name
      ? [
          {
            severity: 'error',
            path: 'name',
            message: `the directory is '${name}' but the template is named '${template.name}'`,
            hint: 'Reinstall it with `linode-build templates install`, which names the directory after the template.',
            file,
          },
        ]
      : [];
  const diagnostics = [...check.diagnostics, ...nameProblem];
  return {
    name,
    source,
    file,
    ...(template
      ? { display_name: template.display_name, version: template.version, description: template.description }
      : {}),
    overridesBundled,
    diagnostics,
    valid: template !== undefined && nameProblem.length === 0,
  };
}

/** Bundled and user templates, user ones overriding bundled ones, sorted by name. Broken ones included. */
export function listTemplates(options: CatalogOptions = {}): CatalogEntry[] {
  return discoverTemplates(options).map((candidate) => entryFor(candidate, options));
}

export interface ResolveOptions extends CatalogOptions {
  readonly cwd: string;
}

/**
 * A bundled name, an installed name (either optionally `@version`, which must match), or a path.
 * Throws TemplateError (all diagnostics) when the template is invalid.
 */
export function resolveTemplate(reference: string, options: ResolveOptions): LoadedTemplate {
  const loadOptions = (source: TemplateSource, file: string): LoadOptions => ({
    ...knowledgeOf(options),
    source,
    displayPath: source === 'path' ? path.relative(options.cwd, file) || file : file,
  });
  if (looksLikePath(reference)) {
    const file = templateFileForPath(reference, options.cwd, options.env);
    return loadTemplateFile(file, loadOptions('path', file));
  }
  const [name, wantedVersion] = reference.split('@', 2) as [string, string | undefined];
  const userFile = path.join(userTemplatesDirectory(options), name, TEMPLATE_FILE);
  const bundledFile = path.join(bundledTemplatesDirectory(options), name, TEMPLATE_FILE);
  const found = existsSync(userFile)
    ? { file: userFile, source: 'user' as const }
    : existsSync(bundledFile)
      ? { file: bundledFile, source: 'bundled' as const }
      : undefined;
  if (!found || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) {
    const names = listTemplates(options).map((entry) => entry.name);
    const suggestion = closestMatch(name, names);
    throw new CliError(
      `template '${name}' not found${suggestion ? ` (did you mean '${suggestion}'?)` : ''}.`,
      "Run 'linode-build templates list' to see the templates, or give a path (e.g. ./my-template).",
    );
  }
  const loaded = loadTemplateFile(found.file, loadOptions(found.source, found.file));
  if (wantedVersion !== undefined && loaded.template.version !== wantedVersion) {
    throw new CliError(
      `template '${name}' is version ${loaded.template.version}, not ${wantedVersion}.`,
      `Use '${name}' (version ${loaded.template.version}), or install version ${wantedVersion} with 'linode-build templates install PATH'.`,
    );
  }
  return loaded;
}
