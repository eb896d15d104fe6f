import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  markProjectDestroyed,
  projectStatePath,
  readProjectState,
  writeProjectState,
} from '../../src/state/project.js';
import type { ProjectState } from '../../src/state/types.js';

const state: ProjectState = {
  version: 1,
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
});
