/**
 * A deploy killed after its instance was created leaves a `creating` record without the
 * instance's id; `status --adopt` completes it from the tagged instance (the kill trials in
 * kill-deploy.test.ts hit this only at random moments; this pins it down).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deploymentRecord } from '../deploy/fixtures.js';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { readRegistry, registryFile } from './support.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab.close());

it('status --adopt completes a creating record whose instance exists', { timeout: 120_000 }, async () => {
  const instance = lab.fake.seedInstance({
    label: 'svc-prod-half0001',
    region: 'us-ord',
    type: 'g6-standard-2',
    tags: ['build-id:half0001', 'build-app:svc', 'build-env:prod', 'build-tmpl:chat-agent'],
  });
  const file = registryFile(lab.home);
  mkdirSync(path.dirname(file), { recursive: true });
  const interrupted = deploymentRecord('half0001', { status: 'creating', label: instance.label });
  const untouched = deploymentRecord('gone0001', { status: 'creating', label: 'svc-prod-gone0001' });
  writeFileSync(file, JSON.stringify({ version: 1, deployments: [interrupted, untouched] }), { mode: 0o600 });

  const result = await lab.run(['status', '--all', '--adopt', '--json', '--no-health']);
  expect(result.code, result.stderr).toBe(0);
  const records = readRegistry(lab.home);
  expect(records.find((r) => r.id === 'half0001')).toMatchObject({
    status: 'active',
    linodeId: instance.id,
    ipv4: instance.ipv4[0],
    template: 'chat-agent',
  });
  // A creating record with no instance is left for --prune (after its grace period).
  expect(records.find((r) => r.id === 'gone0001')?.status).toBe('creating');
});
