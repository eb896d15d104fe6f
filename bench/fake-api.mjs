// The fake Linode API (test/fake-linode, TypeScript) bundled for plain Node, so benchmarks can
// run it in-process and count the requests the CLI makes from its request log.
// Import: const { FakeLinode, startHealthApp, work } = await loadFakeApi();
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const bin = path.join(root, 'bin/linode-build.js');

/**
 * Bundles TypeScript modules of this repository for plain Node in a temp dir and imports them:
 * `names` maps each exported name to its file (relative to the repository). Packages stay
 * external and resolve from the repository's node_modules.
 */
export async function loadTypeScript(names) {
  const work = mkdtempSync(path.join(os.tmpdir(), 'lb-bench-'));
  const entry = path.join(work, 'entry.ts');
  writeFileSync(
    entry,
    Object.entries(names)
      .map(([name, file]) => `export { ${name} } from ${JSON.stringify(path.join(root, file))};\n`)
      .join(''),
  );
  const outfile = path.join(work, 'bundle.mjs');
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile,
    logLevel: 'warning',
  });
  writeFileSync(path.join(work, 'package.json'), '{"type":"module"}');
  symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'));
  return { work, ...(await import(pathToFileURL(outfile).href)) };
}

/** The fake server and the health app. */
export function loadFakeApi() {
  return loadTypeScript({
    FakeLinode: 'test/fake-linode/server.ts',
    startHealthApp: 'test/fake-linode/health.ts',
  });
}

/** A registry record for a seeded instance, the shape `deploy` writes. */
export function registryRecord(id, instance, template = 'chat-agent') {
  const now = new Date().toISOString();
  return {
    id,
    app: 'bench',
    env: 'prod',
    template,
    templateVersion: '1.0.0',
    status: 'active',
    region: instance.region,
    type: instance.type,
    image: 'linode/ubuntu24.04',
    label: instance.label,
    linodeId: instance.id,
    ipv4: instance.ipv4[0],
    externalPort: 80,
    createdAt: now,
    updatedAt: now,
  };
}

/** Seeds `count` tagged instances in the fake and a matching registry under `home`. */
export function seedDeployments(fake, home, count) {
  const stateDir = path.join(home, '.local/state/linode-build');
  mkdirSync(stateDir, { recursive: true });
  const records = [];
  for (let i = 0; i < count; i++) {
    const id = `b${String(i).padStart(7, '0')}`;
    const instance = fake.seedInstance({
      label: `bench-prod-${id}`,
      region: 'us-ord',
      type: 'g6-standard-2',
      tags: [`build-id:${id}`, 'build-app:bench', 'build-env:prod', 'build-tmpl:chat-agent'],
    });
    records.push(registryRecord(id, instance));
  }
  writeFileSync(path.join(stateDir, 'registry.json'), JSON.stringify({ version: 1, deployments: records }));
}

/** The environment the CLI runs with against the fake: a throwaway HOME, no colour. */
export function cliEnv(home, fake, token, extra = {}) {
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    NO_COLOR: '1',
    LINODE_TOKEN: token,
    LINODE_API_URL: fake.url,
    ...extra,
  };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs `main` only when the file is the script node was started with. */
export function isMain(metaUrl) {
  return Boolean(process.argv[1]) && path.resolve(process.argv[1]) === fileURLToPath(metaUrl);
}
