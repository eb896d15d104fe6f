/**
 * Plans for real template files with a fixed context (id, time, secrets), as the golden and
 * conformance tests need them.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTemplate } from '../../src/catalog/index.js';
import { placeholderEnv } from '../../src/env/placeholders.js';
import { buildPlan } from '../../src/plan/index.js';
import type { DeploymentContext, DeployPlan } from '../../src/plan/types.js';
import type { Template } from '../../src/template/types.js';
import { repoRoot } from '../support/cli.js';
import { makeContext } from './fixtures.js';

export const bundledDir = path.join(repoRoot, 'templates');
export const originalDir = path.resolve(repoRoot, '../shared/reference/original-python/templates');

export function bundledTemplateNames(): string[] {
  return readdirSync(bundledDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(bundledDir, entry.name, 'template.yml')))
    .map((entry) => entry.name)
    .sort();
}

export function originalTemplateNames(): string[] {
  if (!existsSync(originalDir)) return [];
  return readdirSync(originalDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

export function loadTemplate(file: string): Template {
  return resolveTemplate(file, { cwd: repoRoot, env: { HOME: '/nonexistent' } }).template;
}

/**
 * One of the original tool's templates. Its llm-api names a non-GPU plan with gpu-nvidia (its
 * defect 12), which our validator rejects; the copy planned here names a GPU plan instead, as
 * a user would with --type.
 */
export function loadOriginalTemplate(name: string): Template {
  const text = readFileSync(path.join(originalDir, name, 'template.yml'), 'utf8');
  const fixed = text.replace(/type_default: g6-standard-8\b/, 'type_default: g2-gpu-rtx4000a1-s');
  const dir = mkdtempSync(path.join(os.tmpdir(), `lb-original-${name}-`));
  const file = path.join(dir, 'template.yml');
  writeFileSync(file, fixed);
  return loadTemplate(file);
}

/** A plan with the golden context: id abcd1234, fixed time, placeholder secrets. */
export function planFor(
  template: Template,
  dotenv: Record<string, string> = {},
  context: Partial<DeploymentContext> = {},
): DeployPlan {
  const full = makeContext({
    appName: template.name,
    envName: 'default',
    region: template.deploy.linode.region_default ?? 'us-ord',
    type: template.deploy.linode.type_default ?? 'g6-standard-2',
    image: template.deploy.linode.image,
    ...context,
  });
  return buildPlan({ template, dotenv: placeholderEnv(template, dotenv).values, context: full });
}
