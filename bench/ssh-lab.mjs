// What the benches that deploy over SSH share (bench/converge.mjs, bench/replicas.mjs): the
// fake Linode API, the health app, a real sshd on loopback playing the instances' SSH with one
// private root (test/support/sshd.ts, instance-root.ts), a throwaway HOME, and `deploy` run as
// the built binary. Root and Debian's openssh-server are needed, as for the tests; without them
// the bench says so and exits 0.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { bin, cliEnv, loadFakeApi, loadTypeScript } from './fake-api.mjs';

/** `--name N` from argv as a number, or the fallback. */
export function numberOption(name, fallback) {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

/**
 * Starts the lab, or exits 0 with the reason when this machine cannot run it. `fakeOptions`
 * go to FakeLinode; `env` is added to the CLI's environment.
 */
export async function startSshLab(benchName, fakeOptions, env = {}) {
  if (process.getuid?.() !== 0 || !existsSync('/usr/sbin/sshd')) {
    console.log(`${benchName} bench skipped: it needs root and /usr/sbin/sshd (apt install openssh-server)`);
    process.exit(0);
  }
  const { FakeLinode, startHealthApp } = await loadFakeApi();
  const { startTestSshd, instanceRoot, appTemplateYml, freePort } = await loadTypeScript({
    startTestSshd: 'test/support/sshd.ts',
    instanceRoot: 'test/support/instance-root.ts',
    appTemplateYml: 'test/support/app-template.ts',
    freePort: 'test/support/net.ts',
  });
  const token = 'bench-token';
  const fake = await new FakeLinode({ token, ...fakeOptions }).start();
  const health = await startHealthApp();
  const sshd = await startTestSshd();
  const home = mkdtempSync(path.join(os.tmpdir(), 'lb-bench-home-'));
  const instance = instanceRoot(sshd.remoteRoot);
  const port = await freePort();
  const cliEnvironment = {
    ...process.env,
    ...cliEnv(home, fake, token, {
      XDG_CACHE_HOME: path.join(home, '.cache'),
      LINODE_BUILD_HEALTH_HOST: health.address,
      LINODE_BUILD_SSH: sshd.sshProgram,
      LINODE_BUILD_TEST_REMOTE_ENV: instance.remoteEnv,
      ...env,
    }),
  };
  // Asynchronous: the fake API answers from this process's event loop.
  const run = promisify(execFile);
  return {
    fake,
    home,
    instance,
    port,
    appTemplateYml,
    /** `deploy --yes --json` in `cwd` with the lab's key; its time and its JSON result. */
    async deploy(cwd, extra = [], expected = undefined) {
      const started = performance.now();
      const { stdout } = await run(
        process.execPath,
        [bin, 'deploy', '--yes', '--json', '--ssh-key', `${sshd.clientKey}.pub`, ...extra],
        { cwd, env: cliEnvironment, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      );
      const result = JSON.parse(stdout);
      if (expected && result.result !== expected)
        throw new Error(`expected ${expected}, got ${result.result}`);
      return { ms: performance.now() - started, result };
    },
    async close() {
      instance.stopApp();
      await sshd.stop();
      await health.close();
      await fake.close();
    },
  };
}
