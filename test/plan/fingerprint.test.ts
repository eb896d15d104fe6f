/**
 * What `deploy` compares: the fingerprint of a plan (HMACs per field under the deployment's
 * key) and the classified differences between two plans of the same deployment.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convergeAction, diffPrints, fingerprintPlan } from '../../src/plan/fingerprint.js';
import type { DeploymentContext } from '../../src/plan/types.js';
import { appTemplateYml } from '../support/app-template.js';
import { loadTemplate, planFor } from './support.js';

const key = 'k'.repeat(64);

const base = appTemplateYml({ image: 'registry.example.com/app:1' });

function template(text = base) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-fingerprint-'));
  const file = path.join(dir, 'template.yml');
  writeFileSync(file, text);
  return loadTemplate(file);
}

function print(
  text = base,
  dotenv: Record<string, string> = { GREETING: 'hello' },
  context: Partial<DeploymentContext> = {},
) {
  return fingerprintPlan(planFor(template(text), dotenv, context), key);
}

function diff(after: ReturnType<typeof print>) {
  const changes = diffPrints(print(), after);
  return { changes, action: convergeAction(changes) };
}

describe('plan fingerprints', () => {
  it('are equal for the same inputs: nothing to do', () => {
    expect(diff(print())).toEqual({ changes: [], action: 'unchanged' });
  });

  it('name a changed env value without its value, as an app-level change', () => {
    const { changes, action } = diff(print(base, { GREETING: 'bonjour' }));
    expect(changes).toEqual([{ field: 'env GREETING', level: 'app', kind: 'changed' }]);
    expect(action).toBe('app');
  });

  it('show the old and new image, and classify ports as app + firewall', () => {
    expect(diff(print(base.replace('app:1', 'app:2'))).changes).toEqual([
      {
        field: 'container.image',
        level: 'app',
        kind: 'changed',
        from: 'registry.example.com/app:1',
        to: 'registry.example.com/app:2',
      },
    ]);
    const ports = diff(print(base.replace('external_port: 8080', 'external_port: 9090')));
    expect(ports.changes.map((change) => [change.field, change.level])).toEqual([
      ['container.ports', 'app'],
      ['firewall', 'api'],
    ]);
    expect(ports.changes[1]).toMatchObject({ from: 'TCP 8080, TCP 22', to: 'TCP 9090, TCP 22' });
    expect(ports.action).toBe('app');
  });

  it('classify capabilities, packages, type and region as machine-level: replace', () => {
    const redis = diff(print(base.replace('features: []', 'features: [redis]')));
    expect(redis.action).toBe('replace');
    expect(redis.changes.map((change) => change.field)).toEqual(
      expect.arrayContaining(['capabilities', 'packages']),
    );
    expect(redis.changes.find((change) => change.field === 'capabilities')).toMatchObject({
      from: 'docker',
      to: 'docker, redis',
    });
    const type = diff(print(base, { GREETING: 'hello' }, { type: 'g6-standard-4' }));
    expect(type.changes).toEqual([
      { field: 'type', level: 'machine', kind: 'changed', from: 'g6-standard-2', to: 'g6-standard-4' },
    ]);
    expect(type.action).toBe('replace');
  });

  it('treat an expiry change as tags through the API', () => {
    const expiring = diff(
      print(base, { GREETING: 'hello' }, { expiresAt: new Date('2030-01-01T08:00:00Z') }),
    );
    expect(expiring.changes).toEqual([
      expect.objectContaining({ field: 'tags', level: 'api', kind: 'changed' }),
    ]);
    expect(expiring.action).toBe('api');
  });

  it('report a catch-all only when no named field of its level explains the change', () => {
    // Adding a volume changes app.conf (the catch-all) and container.volumes: only the latter shows.
    const volume = diff(print(base.replace('      health:', '      volumes: [/data:/data]\n      health:')));
    expect(volume.changes.map((change) => change.field)).toEqual(['container.volumes']);
  });

  it('depend on the key (HMAC), and never hold an env value in clear', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 6, maxLength: 40 }).filter((value) => !/[\n\r\0]/.test(value)),
        (value) => {
          const plan = planFor(template(), { GREETING: value });
          const a = fingerprintPlan(plan, key);
          const b = fingerprintPlan(plan, 'another key');
          expect(a.fields['env GREETING']!.digest).not.toBe(b.fields['env GREETING']!.digest);
          expect(JSON.stringify(a)).not.toContain(JSON.stringify(value).slice(1, -1));
        },
      ),
      { numRuns: 40 },
    );
  });
});
