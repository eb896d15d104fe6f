// Time from `deploy` of a change to a healthy app: in place (an env value: files over SSH,
// restart, health check on the instance) against replace (a capability: new instance, boot,
// address move, reboot, old deleted), both against the same fake Linode API whose instances
// take --provision-ms + --boot-ms to come up, and a real sshd on loopback playing the
// instance's SSH (test/support/sshd.ts, instance-root.ts). In place must not wait for a boot.
//
// Run: npm run build && node bench/converge.mjs [--provision-ms 3000] [--boot-ms 4000]
// Needs root and Debian's openssh-server (as the tests do); otherwise it says so and exits 0.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { bin, loadFakeApi, loadTypeScript } from './fake-api.mjs';

const option = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
};
const provisionMs = option('--provision-ms', 3000);
const bootMs = option('--boot-ms', 4000);

if (process.getuid?.() !== 0 || !existsSync('/usr/sbin/sshd')) {
  console.log('converge bench skipped: it needs root and /usr/sbin/sshd (apt install openssh-server)');
  process.exit(0);
}

const { FakeLinode, startHealthApp } = await loadFakeApi();
const { startTestSshd, instanceRoot, appTemplateYml, freePort } = await loadTypeScript({
  startTestSshd: 'test/support/sshd.ts',
  instanceRoot: 'test/support/instance-root.ts',
  appTemplateYml: 'test/support/app-template.ts',
  freePort: 'test/support/net.ts',
});
const yml = (port, features) => appTemplateYml({ name: 'bench-app', port, features });
const token = 'bench-token';
const fake = await new FakeLinode({ token, provisionMs, bootMs, deleteMs: 200 }).start();
const health = await startHealthApp();
const sshd = await startTestSshd();
const home = mkdtempSync(path.join(os.tmpdir(), 'lb-bench-home-'));
const project = path.join(home, 'project');
mkdirSync(project);
const instance = instanceRoot(sshd.remoteRoot);
const port = await freePort();
const env = {
  ...process.env,
  HOME: home,
  XDG_CONFIG_HOME: path.join(home, '.config'),
  XDG_STATE_HOME: path.join(home, '.local', 'state'),
  LINODE_TOKEN: token,
  LINODE_API_URL: fake.url,
  LINODE_BUILD_HEALTH_HOST: health.address,
  LINODE_BUILD_POLL_MS: '100',
  LINODE_BUILD_SSH: sshd.sshProgram,
  LINODE_BUILD_TEST_REMOTE_ENV: instance.remoteEnv,
};
// Asynchronous: the fake API answers from this process's event loop.
const run = promisify(execFile);
const deploy = async (...extra) => {
  const started = performance.now();
  const { stdout } = await run(
    process.execPath,
    [bin, 'deploy', '--yes', '--json', '--ssh-key', `${sshd.clientKey}.pub`, ...extra],
    { cwd: project, env, encoding: 'utf8' },
  );
  return { ms: performance.now() - started, result: JSON.parse(stdout) };
};

try {
  writeFileSync(path.join(project, 'deploy.yml'), yml(port, ''));
  writeFileSync(path.join(project, '.env'), "GREETING='hello'\n", { mode: 0o600 });
  const created = await deploy('--wait');
  instance.boot(fake.userDataOf(created.result.linodeId));
  instance.startApp();

  writeFileSync(path.join(project, '.env'), "GREETING='bonjour'\n", { mode: 0o600 });
  const inPlace = await deploy();
  if (inPlace.result.result !== 'updated')
    throw new Error(`expected an in-place update, got ${inPlace.result.result}`);

  writeFileSync(path.join(project, 'deploy.yml'), yml(port, 'redis'));
  const replaced = await deploy('--replace');
  if (replaced.result.result !== 'replaced')
    throw new Error(`expected a replace, got ${replaced.result.result}`);

  const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
  console.log(
    `fake instance boot: ${seconds(provisionMs + bootMs)} (provisioning ${provisionMs} ms + booting ${bootMs} ms)`,
  );
  console.log(`create with --wait:        ${seconds(created.ms)}`);
  console.log(`env change, in place:      ${seconds(inPlace.ms)}`);
  console.log(`capability, --replace:     ${seconds(replaced.ms)}`);
  console.log(`in place / replace:        ${(inPlace.ms / replaced.ms).toFixed(2)}x`);
  console.log(
    `in place / one fake boot:  ${(inPlace.ms / (provisionMs + bootMs)).toFixed(2)}x (below 1: no boot waited for)`,
  );
  if (inPlace.ms >= provisionMs + bootMs) process.exitCode = 1;
} finally {
  instance.stopApp();
  await sshd.stop();
  await health.close();
  await fake.close();
}
