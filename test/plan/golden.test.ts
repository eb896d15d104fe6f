/**
 * Golden user-data and create request per bundled template, with a fixed deployment id, time
 * and secrets. `UPDATE_GOLDEN=1 npx vitest run test/plan/golden.test.ts` rewrites them; review
 * the diff before committing (it is exactly what instances will run).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactedCreateRequest } from '../../src/plan/redact.js';
import { repoRoot } from '../support/cli.js';
import { bundledDir, bundledTemplateNames, loadTemplate, planFor } from './support.js';

const goldenDir = path.join(repoRoot, 'test/golden');
const update = process.env.UPDATE_GOLDEN === '1';

function checkGolden(file: string, actual: string): void {
  const target = path.join(goldenDir, file);
  if (update) {
    mkdirSync(goldenDir, { recursive: true });
    writeFileSync(target, actual);
  }
  expect(existsSync(target), `${file} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(actual).toBe(readFileSync(target, 'utf8'));
}

describe('golden plans of the bundled templates', () => {
  const names = bundledTemplateNames();

  it('has templates to check', () => {
    expect(names.length).toBeGreaterThanOrEqual(4);
  });

  it.each(names)('%s', (name) => {
    const plan = planFor(loadTemplate(path.join(bundledDir, name, 'template.yml')));
    checkGolden(`${name}.user-data.yaml`, plan.userData);
    const summary = {
      createRequest: redactedCreateRequest(plan),
      firewallRequest: plan.firewall,
      steps: plan.steps.map((step) => step.id),
      envNames: plan.envNames,
      size: plan.size,
    };
    checkGolden(`${name}.plan.json`, `${JSON.stringify(summary, null, 2)}\n`);
    // Same input, same bytes: a second plan is identical.
    expect(planFor(loadTemplate(path.join(bundledDir, name, 'template.yml'))).userData).toBe(plan.userData);
  });
});
