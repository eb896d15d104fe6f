/**
 * Plans for real template files with a fixed context (id, time, secrets), as the golden and
 * conformance tests need them.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { resolveTemplate } from '../../src/catalog/index.js';
import { placeholderEnv } from '../../src/env/placeholders.js';
import { buildPlan } from '../../src/plan/index.js';
import type { DeployPlan } from '../../src/plan/types.js';
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

/** A plan with the golden context: id abcd1234, fixed time, placeholder secrets. */
export function planFor(template: Template, dotenv: Record<string, string> = {}): DeployPlan {
  const context = makeContext({
    appName: template.name,
    envName: 'default',
    region: template.deploy.linode.region_default ?? 'us-ord',
    type: template.deploy.linode.type_default ?? 'g6-standard-2',
    image: template.deploy.linode.image,
  });
  return buildPlan({ template, dotenv: placeholderEnv(template, dotenv).values, context });
}
