import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/errors.js';
import {
  DESTROYED_KEPT,
  findDeployment,
  forgetDestroyed,
  readRegistry,
  removeDeployment,
  updateRegistry,
  upsertDeployment,
} from '../../src/state/registry.js';
import { sampleRecord } from './fixtures/records.js';

function home(): { env: NodeJS.ProcessEnv; dir: string; file: string } {
  // LINODE_BUILD_HOME=root keeps the registry in root/state.
  const root = mkdtempSync(path.join(os.tmpdir(), 'lb-reg-'));
  const dir = path.join(root, 'state');
  return { env: { LINODE_BUILD_HOME: root }, dir, file: path.join(dir, 'registry.json') };
}

function thrown(action: () => unknown): CliError {
  try {
    action();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected a CliError');
}

async function caught(promise: Promise<unknown>): Promise<CliError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected a CliError');
}

describe('registry', () => {
  it('reads a missing registry as empty without creating anything', async () => {
    const { env, dir } = home();
    expect(await readRegistry(env)).toEqual({ version: 1, deployments: [] });
    expect(() => statSync(dir)).toThrow();
  });

  it('upserts, replaces by id and removes', async () => {
    const { env, file } = home();
    await upsertDeployment(env, sampleRecord('aaaa1111'));
    await upsertDeployment(env, sampleRecord('bbbb2222'));
    await upsertDeployment(env, sampleRecord('aaaa1111', { status: 'failed' }));
    let registry = await readRegistry(env);
    expect(registry.deployments.map((r) => [r.id, r.status])).toEqual([
      ['aaaa1111', 'failed'],
      ['bbbb2222', 'active'],
    ]);
    await removeDeployment(env, 'aaaa1111');
    await removeDeployment(env, 'aaaa1111'); // idempotent
    registry = await readRegistry(env);
    expect(registry.deployments.map((r) => r.id)).toEqual(['bbbb2222']);
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1);
  });

  it('remembers destroyed deployments (newest DESTROYED_KEPT), through other updates, and drops unreadable notes', async () => {
    const { env, file } = home();
    await upsertDeployment(env, sampleRecord('aaaa1111', { app: 'chat', env: 'prod' }));
    await upsertDeployment(env, sampleRecord('bbbb2222'));
    const at = new Date('2026-03-01T12:00:00Z');
    await forgetDestroyed(env, { id: 'aaaa1111', app: 'chat', env: 'prod' }, at);
    await upsertDeployment(env, sampleRecord('cccc3333'));
    let registry = await readRegistry(env);
    expect(registry.deployments.map((r) => r.id)).toEqual(['bbbb2222', 'cccc3333']);
    expect(registry.destroyed).toEqual([
      { id: 'aaaa1111', app: 'chat', env: 'prod', destroyedAt: '2026-03-01T12:00:00.000Z' },
    ]);

    for (let i = 0; i < DESTROYED_KEPT + 5; i++) {
      await forgetDestroyed(env, { id: `d${String(i).padStart(7, '0')}`, app: 'a', env: 'e' }, at);
    }
    registry = await readRegistry(env);
    expect(registry.destroyed).toHaveLength(DESTROYED_KEPT);
    expect(registry.destroyed?.at(-1)?.id).toBe(`d${String(DESTROYED_KEPT + 4).padStart(7, '0')}`);
    expect(registry.destroyed?.some((r) => r.id === 'aaaa1111')).toBe(false);

    writeFileSync(file, JSON.stringify({ version: 1, deployments: [], destroyed: [{ id: 7 }, 'x'] }));
    expect(await readRegistry(env)).toEqual({ version: 1, deployments: [] });
  });

  it('creates the file 0600 in a 0700 directory and leaves no temp or lock files', async () => {
    const { env, dir, file } = home();
    await upsertDeployment(env, sampleRecord('aaaa1111'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).toEqual(['registry.json']);
  });

  it.each([
    ['unparseable JSON', '{"version": 1, "deployments": [', 'not valid JSON'],
    ['a JSON array', '[]', 'not in a format'],
    ['a future version', '{"version": 2, "deployments": []}', 'newer linode-build'],
    ['a malformed entry', '{"version": 1, "deployments": [{"app": "x"}]}', 'malformed entry at position 1'],
  ])(
    'reports %s with its path and leaves it byte-identical, even on update',
    async (_name, content, phrase) => {
      const { env, dir, file } = home();
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, content);
      const readError = await caught(readRegistry(env));
      expect(readError.message).toContain(file);
      expect(readError.message).toContain(phrase);
      expect(readError.message).toContain('left untouched');
      expect(readError.hint).toBeTruthy();
      const updateError = await caught(upsertDeployment(env, sampleRecord('aaaa1111')));
      expect(updateError.message).toContain(file);
      expect(readFileSync(file, 'utf8')).toBe(content);
    },
  );

  it('removes temp files left by a writer killed mid-write, and nothing else', async () => {
    const { env, dir, file } = home();
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, '.registry.json.4242.abcdef.tmp'), '{"version": 1, "depl');
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    await upsertDeployment(env, sampleRecord('aaaa1111'));
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'registry.json']);
    expect(JSON.parse(readFileSync(file, 'utf8')).deployments).toHaveLength(1);
  });

  it('does not write when the mutation throws', async () => {
    const { env, file } = home();
    await upsertDeployment(env, sampleRecord('aaaa1111'));
    const before = readFileSync(file, 'utf8');
    await expect(
      updateRegistry(env, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(readFileSync(file, 'utf8')).toBe(before);
    // The lock was released: a later update still works.
    await upsertDeployment(env, sampleRecord('bbbb2222'));
    expect((await readRegistry(env)).deployments).toHaveLength(2);
  });
});

describe('findDeployment', () => {
  const records = [
    sampleRecord('abc12345', { app: 'chat', env: 'prod' }),
    sampleRecord('abd99999', { app: 'chat', env: 'staging' }),
    sampleRecord('abc', { app: 'short', env: 'dev' }),
    sampleRecord('zzz00000', { app: 'abc12345-named-app' }),
  ];

  it('prefers an exact id, else a unique prefix', () => {
    expect(findDeployment(records, 'abc').app).toBe('short');
    expect(findDeployment(records, 'abc1').id).toBe('abc12345');
    expect(findDeployment(records, 'abd').env).toBe('staging');
  });

  it('lists every candidate (id, app, env) when a prefix is ambiguous', () => {
    const message = thrown(() => findDeployment(records, 'ab')).message;
    expect(message).toContain('matches 3 deployments');
    expect(message).toContain('abc12345 (chat, prod)');
    expect(message).toContain('abd99999 (chat, staging)');
    expect(message).toContain('abc (short, dev)');
  });

  it('never matches by app name and points at status when nothing matches', () => {
    const error = thrown(() => findDeployment(records, 'chat'));
    expect(error.message).toContain('No deployment matches "chat"');
    expect(error.hint).toContain('linode-build status');
  });
});
