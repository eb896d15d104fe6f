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

/**
 * The watcher bundle is build output (watcher/dist/buildwatch.js), checked by the buildwatch
 * tests (sha256, size, runs). Goldens show a placeholder for it, so that they change when the
 * plan changes, not whenever the watcher's code does.
 */
const WATCHER_PATH = '/usr/local/lib/buildwatch/buildwatch.mjs';
const BUNDLE_DEPENDENT = '<depends on the watcher bundle>';

function withoutWatcherBundle(userData: string): string {
  const escaped = WATCHER_PATH.replaceAll('.', '\\.').replaceAll('/', '\\/');
  const content = new RegExp(`(- path: ${escaped}\\n(?:    [^\\n]*\\n)*?    content: )"?[A-Za-z0-9+/=]+"?`);
  const checksum = new RegExp(`[0-9a-f]{64}(  ${escaped})`);
  expect(userData).toMatch(content);
  return userData
    .replace(content, '$1"<watcher/dist/buildwatch.js, gz+b64>"')
    .replace(checksum, '<sha256>$1');
}

/**
 * gzip's exact output belongs to the zlib that Node bundles, not to the plan: the payload's
 * bytes and sha256 are left out; the document's (what cloud-init runs) stay. That the payload
 * gunzips to the document is checked in compose.test.ts and by cloud-init in conformance.
 */
const GZIP_DEPENDENT = '<gzip of the document: depends on zlib>';

function withoutGzipBytes(userData: Record<string, unknown>): Record<string, unknown> {
  return { ...userData, bytes: GZIP_DEPENDENT, base64_bytes: GZIP_DEPENDENT, sha256: GZIP_DEPENDENT };
}

describe('golden plans of the bundled templates', () => {
  const names = bundledTemplateNames();

  it('has templates to check', () => {
    expect(names.length).toBeGreaterThanOrEqual(4);
  });

  it.each(names)('%s', (name) => {
    const plan = planFor(loadTemplate(path.join(bundledDir, name, 'template.yml')));
    const watcher = plan.capabilities.some((capability) => capability.name === 'buildwatch');
    checkGolden(`${name}.user-data.yaml`, watcher ? withoutWatcherBundle(plan.userData) : plan.userData);
    const createRequest = redactedCreateRequest(plan);
    const gzip = plan.size.encoding === 'gzip';
    const summary = {
      createRequest: watcher
        ? { ...createRequest, metadata: { user_data: BUNDLE_DEPENDENT } }
        : gzip
          ? { ...createRequest, metadata: { user_data: withoutGzipBytes(createRequest.metadata.user_data) } }
          : createRequest,
      firewallRequest: plan.firewall,
      steps: plan.steps.map((step) => step.id),
      envNames: plan.envNames,
      size: {
        ...plan.size,
        total: watcher ? BUNDLE_DEPENDENT : gzip ? GZIP_DEPENDENT : plan.size.total,
        document: watcher ? BUNDLE_DEPENDENT : plan.size.document,
        parts: plan.size.parts.map((part) =>
          part.name === 'buildwatch' ? { ...part, bytes: BUNDLE_DEPENDENT } : part,
        ),
      },
    };
    checkGolden(`${name}.plan.json`, `${JSON.stringify(summary, null, 2)}\n`);
    // Same input, same bytes: a second plan is identical.
    expect(planFor(loadTemplate(path.join(bundledDir, name, 'template.yml'))).userData).toBe(plan.userData);
  });
});
