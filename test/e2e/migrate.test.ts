/**
 * The one-time move from the pre-XDG layout (everything in ~/.local/state/linode-build, or in
 * LINODE_BUILD_HOME) to the config, cache and state directories, run by the built binary on an
 * old layout with real content: every item lands at its new place byte for byte with its mode,
 * the old place keeps only MOVED.txt, a second run changes nothing, a taken place is never
 * overwritten, and two commands started together move everything exactly once.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleRecord } from '../state/fixtures/records.js';
import { repoRoot, runCli, tempHome } from '../support/cli.js';

interface Entry {
  readonly mode: string;
  readonly sha256?: string;
}

/** Every file and directory under `root` (relative path → mode and content hash). */
function snapshot(root: string): Record<string, Entry> {
  const entries: Record<string, Entry> = {};
  const visit = (directory: string) => {
    for (const name of readdirSync(directory).sort()) {
      const file = path.join(directory, name);
      const stats = lstatSync(file);
      const relative = path.relative(root, file);
      const mode = (stats.mode & 0o7777).toString(8);
      if (stats.isDirectory()) {
        entries[`${relative}/`] = { mode };
        visit(file);
      } else {
        entries[relative] = { mode, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
      }
    }
  };
  visit(root);
  return entries;
}

/** Writes `content` with exactly `mode` (the umask would otherwise narrow it). */
function put(file: string, content: string, mode: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  chmodSync(file, mode);
}

const id = 'a1b2c3d4';
const registry = `${JSON.stringify(
  {
    version: 1,
    deployments: [sampleRecord(id, { linodeId: 4242, firewallId: 77, ipv4: '192.0.2.10' })],
    destroyed: [{ id: 'ffff0000', app: 'old', env: 'default', destroyedAt: '2026-11-29T09:00:00.000Z' }],
  },
  null,
  2,
)}\n`;

/**
 * The old layout with one of everything, relative to `root`; returns what each item's
 * relative path maps to in the new layout (`config/…`, `cache/…`, `state/…`).
 */
function plantOldLayout(root: string): Record<string, string> {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  chmodSync(root, 0o700);
  put(path.join(root, 'registry.json'), registry, 0o600);
  put(path.join(root, `secrets/${id}/root-password`), 'hunter2-but-longer\n', 0o600);
  put(path.join(root, `secrets/${id}/watcher-token`), 'wt-0123456789abcdef', 0o600);
  put(path.join(root, `secrets/${id}/digest-key`), 'dk-fedcba9876543210', 0o600);
  chmodSync(path.join(root, `secrets/${id}`), 0o700);
  chmodSync(path.join(root, 'secrets'), 0o700);
  put(
    path.join(root, 'known_hosts'),
    `${id} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTheTest\n`,
    0o600,
  );
  const template = readFileSync(path.join(repoRoot, 'templates/chat-agent/template.yml'), 'utf8').replace(
    /^name: .*$/m,
    'name: my-chat',
  );
  put(path.join(root, 'templates/my-chat/template.yml'), template, 0o644);
  put(path.join(root, 'templates/my-chat/README.md'), '# my chat\n', 0o644);
  chmodSync(path.join(root, 'templates/my-chat'), 0o755);
  put(path.join(root, 'cache/types-0123456789ab.json'), '{"fetchedAt":1,"data":[]}', 0o644);
  put(path.join(root, 'cache/regions-0123456789ab.json'), '{"fetchedAt":1,"data":[]}', 0o644);
  put(path.join(root, 'cache/templates-list.json'), '{"format":1,"validator":"x","entries":{}}', 0o600);
  return {
    'registry.json': 'state/registry.json',
    'secrets/': 'state/secrets/',
    [`secrets/${id}/`]: `state/secrets/${id}/`,
    [`secrets/${id}/root-password`]: `state/secrets/${id}/root-password`,
    [`secrets/${id}/watcher-token`]: `state/secrets/${id}/watcher-token`,
    [`secrets/${id}/digest-key`]: `state/secrets/${id}/digest-key`,
    known_hosts: 'state/known_hosts',
    'templates/': 'config/templates/',
    'templates/my-chat/': 'config/templates/my-chat/',
    'templates/my-chat/template.yml': 'config/templates/my-chat/template.yml',
    'templates/my-chat/README.md': 'config/templates/my-chat/README.md',
    'cache/types-0123456789ab.json': 'cache/types-0123456789ab.json',
    'cache/regions-0123456789ab.json': 'cache/regions-0123456789ab.json',
    'cache/templates-list.json': 'cache/templates-list.json',
  };
}

/** The default layout's directories in a tempHome. */
function xdgRoots(home: string): Record<'config' | 'cache' | 'state', string> {
  return {
    config: path.join(home, '.config/linode-build'),
    cache: path.join(home, '.cache/linode-build'),
    state: path.join(home, '.local/state/linode-build'),
  };
}

function expectMovedExactly(
  before: Record<string, Entry>,
  moves: Record<string, string>,
  roots: Record<string, string>,
): void {
  for (const [from, to] of Object.entries(moves)) {
    const [kind, ...rest] = to.split('/');
    const relative = rest.join('/');
    const after = snapshot(roots[kind!]!);
    expect(after[relative], `${from} → ${to}`).toEqual(before[from]);
  }
}

/** The lines a command printed about moving files. */
const movedLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('Moved '));

describe('moving the pre-XDG layout', () => {
  it('moves every item byte for byte with its mode, leaves MOVED.txt, and runs once', async () => {
    const { home, env } = tempHome();
    const legacy = path.join(home, '.config/linode-cli.d/build');
    const moves = plantOldLayout(legacy);
    const before = snapshot(legacy);
    const roots = xdgRoots(home);

    const first = await runCli(['completion', '--values', 'deployment'], { env });
    expect(first.code, first.stderr).toBe(0);
    // The registry is read from its new place: the deployment id is completed.
    expect(first.stdout.split('\n')).toContain(id);
    expect(movedLines(first.stderr)).toEqual([
      `Moved linode-build's files from ${legacy} to ${roots.config}, ${roots.state} and ${roots.cache}; ${legacy}/MOVED.txt says what went where.`,
    ]);
    expectMovedExactly(before, moves, roots);
    // The state directory is private, as the old one was.
    expect(statSync(roots.state).mode & 0o777).toBe(0o700);
    // Only the note is left behind, and it names where each item went.
    expect(readdirSync(legacy)).toEqual(['MOVED.txt']);
    const note = readFileSync(path.join(legacy, 'MOVED.txt'), 'utf8');
    expect(note).toContain(`registry.json -> ${path.join(roots.state, 'registry.json')}`);
    expect(note).toContain(`templates -> ${path.join(roots.config, 'templates')}`);

    // The installed template is found at its new place.
    const list = await runCli(['templates', 'list', '--json'], { env });
    expect(list.code, list.stderr).toBe(0);
    const listed = JSON.parse(list.stdout) as { name: string; source: string }[];
    expect(listed).toContainEqual(expect.objectContaining({ name: 'my-chat', source: 'user' }));

    // A second run moves nothing and says nothing about it.
    const settled = {
      legacy: snapshot(legacy),
      state: snapshot(roots.state),
      config: snapshot(roots.config),
    };
    const second = await runCli(['completion', '--values', 'deployment'], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(movedLines(second.stderr)).toEqual([]);
    expect({
      legacy: snapshot(legacy),
      state: snapshot(roots.state),
      config: snapshot(roots.config),
    }).toEqual(settled);
  });

  it('never overwrites a place already taken: the old item stays, the note and the message say so', async () => {
    const { home, env } = tempHome();
    const legacy = path.join(home, '.config/linode-cli.d/build');
    plantOldLayout(legacy);
    const roots = xdgRoots(home);
    const newer = `${id} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINewerKey\n`;
    put(path.join(roots.state, 'known_hosts'), newer, 0o600);
    const oldKnownHosts = readFileSync(path.join(legacy, 'known_hosts'), 'utf8');

    const result = await runCli(['completion', '--values', 'deployment'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(path.join(roots.state, 'known_hosts'), 'utf8')).toBe(newer);
    expect(readFileSync(path.join(legacy, 'known_hosts'), 'utf8')).toBe(oldKnownHosts);
    expect(readdirSync(legacy).sort()).toEqual(['MOVED.txt', 'known_hosts']);
    // Everything else moved.
    expect(readFileSync(path.join(roots.state, 'registry.json'), 'utf8')).toBe(registry);
    expect(movedLines(result.stderr)).toEqual([
      expect.stringContaining(
        `; 1 left in place because the new place already had one (see ${legacy}/MOVED.txt).`,
      ),
    ]);
    expect(readFileSync(path.join(legacy, 'MOVED.txt'), 'utf8')).toContain(
      `known_hosts (new place: ${path.join(roots.state, 'known_hosts')})`,
    );
    // Run once: the kept file is not offered again.
    const again = await runCli(['completion', '--values', 'deployment'], { env });
    expect(movedLines(again.stderr)).toEqual([]);
    expect(readFileSync(path.join(legacy, 'known_hosts'), 'utf8')).toBe(oldKnownHosts);
  });

  it('moves everything exactly once when two commands start together', async () => {
    const { home, env } = tempHome();
    const legacy = path.join(home, '.config/linode-cli.d/build');
    const moves = plantOldLayout(legacy);
    const before = snapshot(legacy);
    const roots = xdgRoots(home);
    const results = await Promise.all(
      [0, 1, 2].map(() => runCli(['completion', '--values', 'deployment'], { env })),
    );
    for (const result of results) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.split('\n')).toContain(id);
    }
    expect(results.flatMap((result) => movedLines(result.stderr))).toHaveLength(1);
    expectMovedExactly(before, moves, roots);
    expect(readdirSync(legacy)).toEqual(['MOVED.txt']);
  });

  it('moves LINODE_BUILD_HOME’s old layout into its config/, cache/ and state/', async () => {
    const { env } = tempHome();
    const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'lb-migrate-home-')), 'lb');
    const moves = plantOldLayout(root);
    const before = snapshot(root);
    const result = await runCli(['completion', '--values', 'deployment'], {
      env: { ...env, LINODE_BUILD_HOME: root },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.split('\n')).toContain(id);
    expect(movedLines(result.stderr)).toHaveLength(1);
    const roots = {
      config: path.join(root, 'config'),
      cache: path.join(root, 'cache'),
      state: path.join(root, 'state'),
    };
    expectMovedExactly(before, moves, roots);
    // The old cache/ already is the new one: nothing in it moved.
    expect(readdirSync(root).sort()).toEqual(['MOVED.txt', 'cache', 'config', 'state']);
  });

  it('copies across filesystems with the same bytes and modes, then removes the original', async (context) => {
    // /dev/shm is a tmpfs: a state directory there is on another filesystem than the old one.
    const shm = '/dev/shm';
    const { home, env } = tempHome();
    if (!existsSync(shm) || statSync(shm).dev === statSync(home).dev) {
      if (process.env.CI === 'true') throw new Error('CI needs /dev/shm on its own filesystem');
      context.skip('no second filesystem (/dev/shm) to move across');
    }
    const stateHome = mkdtempSync(path.join(shm, 'lb-migrate-'));
    const legacy = path.join(home, '.config/linode-cli.d/build');
    const moves = plantOldLayout(legacy);
    const before = snapshot(legacy);
    const result = await runCli(['completion', '--values', 'deployment'], {
      env: { ...env, XDG_STATE_HOME: stateHome },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(movedLines(result.stderr)).toHaveLength(1);
    const roots = { ...xdgRoots(home), state: path.join(stateHome, 'linode-build') };
    expectMovedExactly(before, moves, roots);
    expect(readdirSync(legacy)).toEqual(['MOVED.txt']);
    // No temporary copy left beside the new places.
    expect(readdirSync(roots.state).sort()).toEqual(['known_hosts', 'registry.json', 'secrets']);
  });
});
