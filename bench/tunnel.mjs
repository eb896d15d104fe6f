#!/usr/bin/env node
// What the watcher's SSH tunnel costs (docs/watcher.md): against the test sshd on loopback
// (test/support/sshd.ts) and a watcher stand-in behind it,
//   1. opening the tunnel (ssh logs in, the Unix socket accepts), median of N;
//   2. `linode-build logs --ssh` vs `linode-build logs --watcher-url http://127.0.0.1:P` (the
//      built CLI, same watcher, no tunnel), medians of N interleaved runs: the difference is
//      what the tunnel adds to one command on this machine. A real instance adds its round
//      trips (SSH's handshake is about 3 of them) on top.
// Usage: npm run build && node bench/tunnel.mjs [--runs N]   (root, openssh-server installed)
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { bin, root } from './fake-api.mjs';

const runsIndex = process.argv.indexOf('--runs');
const runs = runsIndex === -1 ? 15 : Number(process.argv[runsIndex + 1]);

async function load() {
  const work = mkdtempSync(path.join(os.tmpdir(), 'lb-bench-tunnel-'));
  const entry = path.join(work, 'entry.ts');
  const from = (file) => JSON.stringify(path.join(root, file));
  writeFileSync(
    entry,
    [
      `export { startTestSshd } from ${from('test/support/sshd.ts')};`,
      `export { startWatcherStandin } from ${from('test/support/watcher-standin.ts')};`,
      `export { openWatcherTunnel } from ${from('src/watcher-client/connect.ts')};`,
      `export { upsertDeployment } from ${from('src/state/registry.ts')};`,
      `export { writeSecret } from ${from('src/state/secrets.ts')};`,
      `export { deploymentRecord } from ${from('test/deploy/fixtures.ts')};`,
      '',
    ].join('\n'),
  );
  const outfile = path.join(work, 'tunnel.mjs');
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'warning',
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return { work, ...(await import(pathToFileURL(outfile).href)) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function timeCli(args, env) {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, ...args], { env }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${args.join(' ')}: ${stderr}`));
      else resolve(Number(process.hrtime.bigint() - started) / 1e6);
    });
  });
}

const {
  work,
  deploymentRecord,
  startTestSshd,
  startWatcherStandin,
  openWatcherTunnel,
  upsertDeployment,
  writeSecret,
} = await load();
const token = 'bench-watcher-token-0123456789';
const sshd = await startTestSshd();
const watcher = await startWatcherStandin(token);
const home = mkdtempSync(path.join(os.tmpdir(), 'lb-bench-home-'));
const env = {
  ...process.env,
  HOME: home,
  LINODE_BUILD_HOME: path.join(home, 'state'),
  LINODE_BUILD_SSH: sshd.sshProgram,
  NO_COLOR: '1',
};
const record = deploymentRecord('bench001', {
  ipv4: '198.51.100.9',
  watcherPort: watcher.port,
  sshIdentityFile: sshd.clientKey,
});
try {
  await upsertDeployment(env, record);
  await writeSecret(env, record.id, 'watcher-token', token);
  const opens = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const tunnel = await openWatcherTunnel(env, record);
    opens.push(Number(process.hrtime.bigint() - started) / 1e6);
    tunnel.close();
  }
  const direct = [];
  const tunnelled = [];
  for (let i = 0; i < runs; i++) {
    direct.push(await timeCli(['logs', record.id, '--watcher-url', `http://127.0.0.1:${watcher.port}`], env));
    tunnelled.push(await timeCli(['logs', record.id, '--ssh'], env));
  }
  const line = (what, ms) => console.log(`${what.padEnd(48)} ${ms.toFixed(0).padStart(6)} ms`);
  console.log(`SSH tunnel to the watcher, loopback sshd, medians of ${runs} (${os.cpus().length} CPUs)`);
  line('open the tunnel (login + socket accepts)', median(opens));
  line('logs --watcher-url (no tunnel)', median(direct));
  line('logs --ssh (tunnel)', median(tunnelled));
  line('tunnel cost per command', median(tunnelled) - median(direct));
} finally {
  await watcher.close();
  await sshd.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
}
