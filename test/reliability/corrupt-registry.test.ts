/**
 * A corrupt registry (the original silently wiped it, or failed deploy after the instance
 * existed): every command that needs it stops before touching the API, names the file, leaves
 * it byte-for-byte alone, and says what to do.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { isClearFailure, registryFile } from './support.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab.close());

it('refuses deploy, status and destroy on a corrupt registry without creating or changing anything', {
  timeout: 300_000,
}, async () => {
  const project = await lab.project('corrupt', 'embeddings-python');
  const file = registryFile(lab.home);
  mkdirSync(path.dirname(file), { recursive: true });
  const corrupt = '{"version":1,"deployments":[{"id":"abcd1234",';
  writeFileSync(file, corrupt, { mode: 0o600 });

  for (const args of [
    ['deploy', '--yes', '--json'],
    ['status', '--all', '--json', '--no-health'],
    ['destroy', 'abcd1234', '--yes'],
  ]) {
    const posts = lab.fake.countRequests({ method: 'POST' });
    const result = await lab.run(args, { cwd: project });
    expect(result.code, `${args[0]}: ${result.stdout}`).toBe(1);
    expect(isClearFailure(result), result.stderr).toBe(true);
    expect(result.stderr).toContain(file);
    expect(lab.fake.countRequests({ method: 'POST' })).toBe(posts);
    expect(readFileSync(file, 'utf8')).toBe(corrupt);
  }
  expect(lab.fake.listInstances()).toEqual([]);
  expect(lab.fake.listFirewalls()).toEqual([]);
});
