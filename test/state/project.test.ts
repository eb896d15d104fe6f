import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  liveEnvs,
  markProjectDestroyed,
  projectStatePath,
  readProject,
  readProjectState,
  writeProjectState,
} from '../../src/state/project.js';
import type { ProjectState } from '../../src/state/types.js';

const state: ProjectState = {
  deploymentId: 'abcd1234',
  linodeId: 42,
  app: 'chat',
  env: 'prod',
  region: 'us-east',
  type: 'g6-standard-2',
  ipv4: '192.0.2.10',
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('project state', () => {
  it('is absent before the first deploy', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-proj-'));
    expect(await readProjectState(dir)).toBeUndefined();
    expect(await markProjectDestroyed(dir, new Date())).toBeUndefined();
  });

  it('round-trips and marks destruction once, keeping the note', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-proj-'));
    await writeProjectState(dir, state);
    expect(await readProjectState(dir)).toEqual(state);
    expect(statSync(projectStatePath(dir)).mode & 0o777).toBe(0o600);
    const first = await markProjectDestroyed(dir, new Date('2026-02-03T04:05:06Z'));
    expect(first?.destroyedAt).toBe('2026-02-03T04:05:06.000Z');
    await markProjectDestroyed(dir, new Date('2027-01-01T00:00:00Z'));
    expect((await readProjectState(dir))?.destroyedAt).toBe('2026-02-03T04:05:06.000Z');
    expect((await readProjectState(dir))?.deploymentId).toBe('abcd1234');
  });

  it('reports a corrupt file with its path and leaves it alone', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-proj-'));
    mkdirSync(path.join(dir, '.linode'));
    writeFileSync(projectStatePath(dir), '{"instance_id": 1}');
    await expect(readProjectState(dir)).rejects.toThrow(projectStatePath(dir));
    await expect(markProjectDestroyed(dir, new Date())).rejects.toThrow('left untouched');
    expect(readFileSync(projectStatePath(dir), 'utf8')).toBe('{"instance_id": 1}');
  });

  it('reads a version 1 file (one deployment) as a project with that env, and keeps it on write', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-proj-'));
    mkdirSync(path.join(dir, '.linode'));
    writeFileSync(projectStatePath(dir), JSON.stringify({ version: 1, ...state }));
    expect(await readProject(dir)).toEqual({ version: 2, envs: { prod: state } });
    const staging = { ...state, deploymentId: 'efgh5678', env: 'staging' };
    await writeProjectState(dir, staging);
    const project = await readProject(dir);
    expect(project?.envs).toEqual({ prod: state, staging });
    expect(JSON.parse(readFileSync(projectStatePath(dir), 'utf8')).version).toBe(2);
  });

  it('knows every env; a command without an env needs one when several are live', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-proj-'));
    await writeProjectState(dir, state);
    await writeProjectState(dir, { ...state, deploymentId: 'efgh5678', env: 'staging' });
    expect(liveEnvs(await readProject(dir)).map((entry) => entry.env)).toEqual(['prod', 'staging']);
    await expect(readProjectState(dir)).rejects.toThrow(
      'deployments in 2 envs: prod (abcd1234), staging (efgh5678)',
    );
    // Destroying one leaves the other as the project's deployment.
    await markProjectDestroyed(dir, new Date('2026-02-03T04:05:06Z'), 'efgh5678');
    expect((await readProjectState(dir))?.deploymentId).toBe('abcd1234');
    expect((await readProject(dir))?.envs.staging?.destroyedAt).toBe('2026-02-03T04:05:06.000Z');
  });
});
