/**
 * The on-instance helpers run for real: retry (backoff, attempt counter, failure status) and
 * run-script (shebang honoured, bash without one, app env exported exactly, never sourced).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appConf, appParts } from '../../src/cloudinit/app.js';
import { runnerFiles } from '../../src/cloudinit/runner.js';
import healthWaitScript from '../../src/cloudinit/scripts/health-wait.sh?raw';
import { renderEnvFile } from '../../src/env/envfile.js';
import type { ContainerSpec, HealthCheck } from '../../src/template/types.js';
import { toolsAvailable } from '../support/tools.js';

function helper(name: string): string {
  const file = runnerFiles().find((f) => f.path.endsWith(`/${name}`));
  if (!file) throw new Error(`no helper ${name}`);
  return file.content;
}

describe.runIf(toolsAvailable('bash'))('on-instance helpers', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-helpers-'));

  it('retry runs until success, counting attempts, and returns the last failure', () => {
    writeFileSync(path.join(dir, 'retry.sh'), helper('retry.sh'));
    const script = `
      . "$1"
      n=0
      flaky() { n=$((n + 1)); echo "try $RETRY_ATTEMPT"; [ "$n" -ge 3 ]; }
      retry flaky 5 0 flaky; echo "ok=$? n=$n"
      retry never 2 0 sh -c 'exit 7'; echo "status=$?"
    `;
    const result = spawnSync('bash', ['-c', script, 'bash', path.join(dir, 'retry.sh')], {
      encoding: 'utf8',
    });
    expect(result.stdout).toBe('try 1\ntry 2\ntry 3\nok=0 n=3\nstatus=7\n');
    expect(result.stderr).toContain('flaky: attempt 1 failed (exit 1); retrying in 0s');
    expect(result.stderr).toContain('never: failed 2 times (exit 7)');
  });

  it('run-script honours the shebang, defaults to bash, and exports the app env exactly', () => {
    const etc = path.join(dir, 'etc');
    spawnSync('mkdir', ['-p', etc]);
    const tricky = `it's "q" $(touch ${dir}/pwned) \`x\` %h #c a=b é`;
    writeFileSync(path.join(etc, 'app.env'), renderEnvFile({ TRICKY: tricky, PLAIN: 'v' }));
    const runScript = path.join(dir, 'run-script');
    writeFileSync(runScript, helper('run-script'));
    chmodSync(runScript, 0o755);
    const withShebang = path.join(dir, 'hook-sh');
    writeFileSync(withShebang, '#!/bin/sh\nprintf "%s|%s" "$0" "$TRICKY"\n');
    chmodSync(withShebang, 0o700);
    const without = path.join(dir, 'hook-plain');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell script, not a JS template.
    writeFileSync(without, 'printf "%s|%s" "${BASH_VERSION:+bash}" "$PLAIN"\n');
    const env = { PATH: process.env.PATH, LINODE_BUILD_ETC: etc };
    const first = spawnSync(runScript, [withShebang], { encoding: 'utf8', env });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toBe(`${withShebang}|${tricky}`);
    const second = spawnSync(runScript, [without], { encoding: 'utf8', env });
    expect(second.stdout).toBe('bash|v');
    expect(spawnSync('test', ['-e', path.join(dir, 'pwned')]).status).toBe(1);
  });
});

describe.runIf(toolsAvailable('bash', 'python3'))('health-wait', () => {
  const health = (overrides: Partial<HealthCheck>): HealthCheck => ({
    type: 'http',
    path: '/',
    success_codes: [200],
    initial_delay_seconds: 0,
    timeout_seconds: 2,
    interval_seconds: 0,
    max_retries: 3,
    ...overrides,
  });

  async function runHealthWait(check: HealthCheck, port: number, withoutCurl = false) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-health-'));
    const conf = appConf({
      runtime: 'native',
      appName: 'demo',
      deploymentId: 'abcd1234',
      envName: 'test',
      container: {
        image: 'unused',
        internal_port: port,
        external_port: port,
        env: {},
        volumes: [],
        allow_metadata_access: false,
        health: check,
      },
      command: [],
      runArgs: [],
      env: {},
    });
    writeFileSync(path.join(dir, 'app.conf'), conf);
    const script = path.join(dir, 'health-wait');
    writeFileSync(script, healthWaitScript);
    // PATH without curl exercises the python3 fallback.
    const bin = path.join(dir, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    for (const tool of ['sleep', 'timeout', 'bash']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      if (found) symlinkSync(found, path.join(bin, tool));
    }
    // The interpreter itself, not a version-manager shim that needs the full PATH.
    const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
    symlinkSync(python.stdout.trim(), path.join(bin, 'python3'));
    const env = { PATH: withoutCurl ? bin : (process.env.PATH ?? ''), LINODE_BUILD_ETC: dir };
    return new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('bash', [script], { env });
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr.on('data', (chunk) => {
        output += chunk;
      });
      child.on('close', (code) => resolve({ code, output }));
    });
  }

  it('passes when the app answers with a success code (curl, and python3 without curl), fails otherwise', async () => {
    const server = createServer((request, response) => {
      response.statusCode = request.url === '/ready' ? 200 : 404;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const ok = await runHealthWait(health({ path: '/ready' }), port);
      expect(ok.code, ok.output).toBe(0);
      expect(ok.output).toContain('HTTP 200');
      const fallback = await runHealthWait(health({ path: '/ready' }), port, true);
      expect(fallback.code, fallback.output).toBe(0);
      const wrong = await runHealthWait(health({ path: '/missing' }), port);
      expect(wrong.code).toBe(1);
      expect(wrong.output).toContain('HTTP 404');
      expect(wrong.output).toContain('did not become healthy after 3 checks');
      const tcp = await runHealthWait(health({ type: 'tcp', path: undefined }), port);
      expect(tcp.code, tcp.output).toBe(0);
    } finally {
      server.close();
    }
  });

  it('probes from the start: a ready app passes at once, and failures count only after the initial delay', async () => {
    const server = createServer((request, response) => {
      response.statusCode = request.url === '/ready' ? 200 : 503;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      // Sleeping the 600 s delay first would run past the test's timeout.
      const ready = await runHealthWait(health({ path: '/ready', initial_delay_seconds: 600 }), port);
      expect(ready.code, ready.output).toBe(0);
      expect(ready.output).toMatch(/HTTP 200\nhealthy after \d+s/);
      expect(ready.output).not.toContain('not healthy yet');
      const failing = await runHealthWait(
        health({ path: '/starting', initial_delay_seconds: 2, interval_seconds: 1, max_retries: 2 }),
        port,
      );
      expect(failing.code).toBe(1);
      expect(failing.output).toContain('within the initial 2s');
      expect(failing.output).toContain('check 2/2: not healthy yet');
      expect(failing.output).toContain('after 2 checks past the initial 2s');
    } finally {
      server.close();
    }
  });
});

/** A directory of stub commands that log their argv to calls.log. */
function stubs(): { bin: string; stub(name: string, body: string): void; calls(): string[] } {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'lb-stubs-'));
  const log = path.join(bin, 'calls.log');
  writeFileSync(log, '');
  return {
    bin,
    stub(name, body) {
      writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >>"${log}"\n${body}\n`);
      chmodSync(path.join(bin, name), 0o755);
    },
    calls: () => spawnSync('cat', [log], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean),
  };
}

describe.runIf(toolsAvailable('bash'))('apt-install', () => {
  function install(aptGet: string) {
    const box = stubs();
    for (const name of ['retry.sh', 'apt-install']) writeFileSync(path.join(box.bin, name), helper(name));
    chmodSync(path.join(box.bin, 'apt-install'), 0o755);
    box.stub('apt-update', 'exit 0');
    box.stub('apt-get', aptGet);
    box.stub('sleep', 'exit 0');
    const result = spawnSync(path.join(box.bin, 'apt-install'), ['no-such-package'], {
      encoding: 'utf8',
      env: { PATH: `${box.bin}:/usr/bin:/bin` },
    });
    return { ...result, calls: box.calls() };
  }

  it('stops after one refresh when the archive has no such package (a real boot waited 70 s)', () => {
    const result = install('echo "E: Unable to locate package no-such-package" >&2; exit 100');
    expect(result.status).toBe(100);
    expect(result.calls.filter((call) => call.startsWith('apt-get '))).toHaveLength(2);
    expect(result.calls).toContain('apt-update --force');
    expect(result.stdout + result.stderr).toContain('E: Unable to locate package no-such-package');
    expect(result.stderr).toContain('not in the archive, also after refreshing the package lists');
  });

  it('keeps retrying other failures (a mirror that is syncing, a network error)', () => {
    const result = install('echo "E: Failed to fetch http://deb.debian.org/x 503" >&2; exit 100');
    expect(result.status).toBe(100);
    expect(result.calls.filter((call) => call.startsWith('apt-get '))).toHaveLength(4);
  });
});

describe.runIf(toolsAvailable('bash'))('apt-install --together (one apt transaction per boot)', () => {
  const APT_GET = `case " $* " in *" no-such-package "*) echo "E: Unable to locate package no-such-package" >&2; exit 100;; esac`;

  /** A boot's packages steps in order, sharing one run directory; each result with its apt-get calls. */
  function boot(together: string, steps: string[][], dpkgState = 'installed') {
    const box = stubs();
    for (const name of ['retry.sh', 'apt-install']) writeFileSync(path.join(box.bin, name), helper(name));
    chmodSync(path.join(box.bin, 'apt-install'), 0o755);
    box.stub('apt-update', 'exit 0');
    box.stub('apt-get', APT_GET);
    box.stub('dpkg-query', `printf %s ${dpkgState}`);
    box.stub('sleep', 'exit 0');
    const run = mkdtempSync(path.join(os.tmpdir(), 'lb-apt-run-'));
    let seen = 0;
    return steps.map((packages) => {
      const result = spawnSync(path.join(box.bin, 'apt-install'), ['--together', ...packages], {
        encoding: 'utf8',
        env: { PATH: `${box.bin}:/usr/bin:/bin`, LINODE_BUILD_RUN: run, LINODE_BUILD_APT_TOGETHER: together },
      });
      const calls = box.calls().slice(seen);
      seen += calls.length;
      return { ...result, aptGet: calls.filter((call) => call.startsWith('apt-get ')) };
    });
  }

  it("the first step installs every capability's packages at once; later steps only confirm theirs", () => {
    const [docker, buildwatch, extra] = boot('docker.io apparmor nodejs jq', [
      ['docker.io', 'apparmor'],
      ['nodejs'],
      ['jq'],
    ]);
    expect(docker!.status, docker!.stderr).toBe(0);
    expect(docker!.aptGet).toHaveLength(1);
    expect(docker!.aptGet[0]).toMatch(
      / install -y -q --no-install-recommends --no-upgrade docker\.io apparmor nodejs jq$/,
    );
    expect(docker!.stdout).toContain("installing the boot's packages in one apt transaction");
    for (const later of [buildwatch!, extra!]) {
      expect(later.status, later.stderr).toBe(0);
      expect(later.aptGet).toEqual([]);
      expect(later.stdout).toContain("already installed by this boot's shared apt transaction");
    }
  });

  it('a later step installs its packages itself when dpkg does not have them after all', () => {
    const [, buildwatch] = boot('docker.io nodejs', [['docker.io'], ['nodejs']], 'not-installed');
    expect(buildwatch!.status).toBe(0);
    expect(buildwatch!.aptGet).toHaveLength(1);
    expect(buildwatch!.aptGet[0]).toMatch(/--no-install-recommends --no-upgrade nodejs$/);
  });

  it('when the shared transaction fails, each step installs its own and only the step with the bad package fails', () => {
    const [docker, buildwatch, extra] = boot('docker.io apparmor nodejs no-such-package', [
      ['docker.io', 'apparmor'],
      ['nodejs'],
      ['no-such-package'],
    ]);
    expect(docker!.status, docker!.stderr).toBe(0);
    expect(
      docker!.aptGet.map((call) => call.replace(/^.*--no-install-recommends --no-upgrade /, '')),
    ).toEqual(['docker.io apparmor nodejs no-such-package', 'docker.io apparmor']);
    expect(docker!.stderr).toContain(
      "the shared transaction failed; installing this step's packages on their own",
    );
    expect(buildwatch!.status).toBe(0);
    expect(
      buildwatch!.aptGet.map((call) => call.replace(/^.*--no-install-recommends --no-upgrade /, '')),
    ).toEqual(['nodejs']);
    expect(extra!.status).toBe(100);
    expect(extra!.stdout + extra!.stderr).toContain('E: Unable to locate package no-such-package');
  });
});

describe.runIf(toolsAvailable('bash'))('start-unit', () => {
  const startUnit = appParts(
    {
      runtime: 'docker',
      appName: 'a',
      deploymentId: 'd',
      envName: 'e',
      container: {
        image: 'busybox:1',
        internal_port: 80,
        external_port: 80,
        volumes: [],
        env: {},
        allow_metadata_access: false,
      } as unknown as ContainerSpec,
      command: [],
      runArgs: [],
      env: {},
    },
    '',
  ).files.find((file) => file.path.endsWith('/start-unit'))!.content;

  it("reports the unit's journal when the unit does not start (issue 13 bug 2)", () => {
    const box = stubs();
    writeFileSync(path.join(box.bin, 'start-unit'), startUnit);
    box.stub(
      'systemctl',
      '[ "$1" = enable ] && { echo "Job for linode-build-app.service failed. See systemctl status." >&2; exit 1; }; exit 0',
    );
    box.stub('journalctl', 'echo "docker: Error response from daemon: pull access denied for nosuch."');
    const result = spawnSync('bash', [path.join(box.bin, 'start-unit'), 'linode-build-app.service'], {
      encoding: 'utf8',
      env: { PATH: `${box.bin}:/usr/bin:/bin` },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('linode-build-app.service did not start; its last journal lines:');
    expect(result.stderr).toContain('docker: Error response from daemon: pull access denied');
    expect(box.calls()).toContain('journalctl -u linode-build-app.service -n 30 --no-pager -o cat');
  });

  it('starts the unit quietly when it starts', () => {
    const box = stubs();
    writeFileSync(path.join(box.bin, 'start-unit'), startUnit);
    box.stub('systemctl', 'exit 0');
    box.stub('journalctl', 'exit 0');
    const result = spawnSync('bash', [path.join(box.bin, 'start-unit'), 'x.service'], {
      encoding: 'utf8',
      env: { PATH: `${box.bin}:/usr/bin:/bin` },
    });
    expect(result.status).toBe(0);
    expect(box.calls()).toEqual(['systemctl daemon-reload', 'systemctl enable --now x.service']);
  });
});
