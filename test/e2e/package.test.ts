/**
 * The package as users get it: `npm pack` of this checkout, installed with `--omit=dev` into an
 * empty directory. Every library is bundled into dist/, so the install must stay small (at most
 * 15 packages; today the package alone), and the installed binary must plan a bundled template,
 * validate a capability config, read status from the fake Linode API and start the dashboard
 * in a real terminal, with nothing from this checkout's node_modules in reach.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeLinode } from '../fake-linode/server.js';
import { repoRoot, runCli, tempHome } from '../support/cli.js';
import { missingChunks } from '../support/snapshot.js';
import { launchInTerminal, tmux } from '../support/tmux.js';
import { toolsAvailable } from '../support/tools.js';

const MAX_PACKAGES = 15;
const token = 'lbtest-package-token-7e2a';
const work = mkdtempSync(path.join(os.tmpdir(), 'lb-package-'));
const installDir = path.join(work, 'app');
const installed = path.join(installDir, 'node_modules/linode-build');
const bin = path.join(installed, 'bin/linode-build.js');
let tarball = '';
let fake: FakeLinode;
const session = `lb-package-tui-${process.pid}`;

const npm = (args: readonly string[], cwd: string) =>
  execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    timeout: 180_000,
    // The checkout's own settings (e.g. a CI npm cache) apply; nothing else from it does.
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });

/** Runs the installed binary from a directory outside the checkout. */
const run = (args: readonly string[], env: Record<string, string>) =>
  runCli(args, { bin, cwd: installDir, env });

beforeAll(async () => {
  // dist/ can be mid-rebuild by another suite: pack again until the tarball is complete.
  for (let attempt = 1; ; attempt++) {
    const name = npm(['pack', '--ignore-scripts', '--pack-destination', work], repoRoot)
      .trim()
      .split('\n')
      .pop()!;
    tarball = path.join(work, name);
    const unpacked = mkdtempSync(path.join(work, 'unpacked-'));
    execFileSync('tar', ['xzf', tarball, '-C', unpacked]);
    if (missingChunks(path.join(unpacked, 'package/dist')).length === 0) break;
    if (attempt === 5) throw new Error('npm pack kept catching dist/ mid-build');
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  // An empty project, as a user's would be; npm's cache serves what it already has.
  execFileSync('mkdir', ['-p', installDir]);
  writeFileSync(path.join(installDir, 'package.json'), '{"name":"lb-install-check","private":true}\n');
  npm(['install', '--omit=dev', '--prefer-offline', tarball], installDir);
  fake = await new FakeLinode({ token }).start();
}, 300_000);

afterAll(async () => {
  spawnSync('tmux', ['kill-session', '-t', session]);
  await fake?.close();
});

describe('the packed package installed with --omit=dev', () => {
  it(`installs at most ${MAX_PACKAGES} packages: every library is bundled into dist/`, () => {
    const parseable = npm(['ls', '--all', '--parseable', '--omit=dev'], installDir).trim().split('\n');
    // The first line is the empty project itself.
    const packages = parseable
      .slice(1)
      .map((file) => path.relative(path.join(installDir, 'node_modules'), file));
    console.log(
      `[package] ${packages.length} packages: ${packages.join(', ')}; tarball ${statSync(tarball).size} bytes`,
    );
    expect(packages.length).toBeLessThanOrEqual(MAX_PACKAGES);
    expect(packages).toEqual(['linode-build']);
    // What the published manifest declares is what it needs at run time: nothing.
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(manifest.dependencies ?? {}).toEqual({});
    // No duplicate entry bundles or code caches ship.
    expect(readdirSync(path.join(installed, 'dist')).sort()).toEqual(['chunks', 'cli.js']);
  });

  it('plans a bundled template', async () => {
    const { env } = tempHome();
    const result = await run(['plan', '--template', 'llm-api'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Plan for bundled template llm-api');
    expect(result.stdout).toMatch(/User-data: [\d,]+ of 65,535 bytes/);
  });

  it('validates a capability config with the generated validators (no Ajv installed)', async () => {
    const { env, home } = tempHome();
    const project = path.join(home, 'project');
    execFileSync('mkdir', ['-p', project]);
    const template = readFileSync(path.join(repoRoot, 'templates/embeddings-python/template.yml'), 'utf8');
    // A config of the wrong type: only the config validator reports it.
    const broken = template.replace(
      /^ {2}runtime: docker$/m,
      '  runtime: docker\n  features:\n    - name: buildwatch\n      config:\n        port: "x"',
    );
    expect(broken).not.toBe(template);
    writeFileSync(path.join(project, 'deploy.yml'), broken);
    const result = await run(['plan', '--directory', project], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('must be an integer, got "x" (capabilities.features[0].config.port)');
  });

  it('reads status from the (fake) Linode API', async () => {
    const instance = fake.seedInstance({
      label: 'pkg-prod-pkg00001',
      region: 'us-ord',
      type: 'g6-standard-2',
      tags: ['build-id:pkg00001', 'build-app:pkg', 'build-env:prod', 'build-tmpl:chat-agent'],
    });
    const { env } = tempHome();
    const result = await run(['status', '--all', '--json', '--no-health'], {
      ...env,
      LINODE_TOKEN: token,
      LINODE_API_URL: fake.url,
    });
    expect(result.code, result.stderr).toBe(0);
    // Node 24 warns (DEP0169) when bundled code calls url.parse(), as axios 1.13's proxy lookup did.
    expect(result.stderr).not.toContain('DeprecationWarning');
    const views = JSON.parse(result.stdout) as { id: string; linodeId?: number }[];
    expect(views).toEqual([expect.objectContaining({ id: 'pkg00001', linodeId: instance.id })]);
  });

  it.skipIf(!toolsAvailable('tmux'))(
    'starts the dashboard in a terminal and quits on q',
    async () => {
      const { env } = tempHome();
      launchInTerminal({
        session,
        cwd: installDir,
        env: { ...env, LINODE_TOKEN: token, LINODE_API_URL: fake.url },
        argv: [process.execPath, '--', bin, 'tui', '--no-health'],
      });
      const waitFor = async (what: string, predicate: (text: string) => boolean) => {
        const deadline = Date.now() + 60_000;
        let text = '';
        while (Date.now() < deadline) {
          text = tmux('capture-pane', '-p', '-t', session);
          if (predicate(text)) return text;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
      };
      const screen = await waitFor('the dashboard with the seeded deployment', (text) =>
        text.includes('pkg00001'),
      );
      expect(screen).toContain('linode-build ·');
      expect(screen).not.toContain(token);
      tmux('send-keys', '-t', session, 'q');
      await waitFor('the dashboard to exit', (text) => text.includes('EXITED:0'));
    },
    90_000,
  );

  it('installs the way integrations/linode-cli/README.md says: npm install -g of the packed tarball, linode-build on PATH', () => {
    const readme = readFileSync(path.join(repoRoot, 'integrations/linode-cli/README.md'), 'utf8');
    // linode-build is not on the npm registry: the README must not send anyone there.
    expect(readme).not.toMatch(/npm install -g linode-build\b/);
    expect(readme).toContain('npm install -g ./linode-build-*.tgz');
    expect(readme).toContain('npm install -g .');
    const prefix = mkdtempSync(path.join(work, 'global-'));
    npm(['install', '-g', '--prefix', prefix, '--prefer-offline', tarball], work);
    // Found on PATH and run through its own shebang, as linode-cli's plugin runs it.
    const result = spawnSync('linode-build', ['version', '--json'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        ...tempHome().env,
        PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH}`,
      },
    });
    expect(result.error).toBeUndefined();
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).version).toBe(
      JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version,
    );
  });
});
