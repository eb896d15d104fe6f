/**
 * Runs the capability scripts for real under bash, with the system commands they call
 * replaced by recording stubs on PATH, to check the decisions that matter on an instance:
 * which driver packages for the running kernel, bounded retries, and that every failure
 * exits non-zero with a message.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toolsAvailable } from '../support/tools.js';

const capabilitiesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../capabilities');

interface Sandbox {
  readonly bin: string;
  readonly log: string;
  /** A stub that logs its argv, prints `output` and exits with `status` (or runs `body`). */
  stub(name: string, body: string): void;
  run(
    script: string,
    env: Record<string, string>,
  ): { status: number | null; stdout: string; stderr: string; calls: string[] };
}

function sandbox(): Sandbox {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-cap-'));
  const bin = path.join(dir, 'bin');
  const log = path.join(dir, 'calls.log');
  spawnSync('mkdir', ['-p', bin]);
  writeFileSync(log, '');
  const stub = (name: string, body: string) => {
    const file = path.join(bin, name);
    writeFileSync(file, `#!/usr/bin/env bash\necho "${name} $*" >>"${log}"\n${body}\n`);
    chmodSync(file, 0o755);
  };
  // Commands every script may touch that must never reach the real system here.
  for (const name of ['systemctl', 'journalctl', 'update-initramfs', 'dmesg', 'sleep']) stub(name, 'exit 0');
  stub('uname', 'echo 6.8.0-49-generic');
  return {
    bin,
    log,
    stub,
    run(script, env) {
      const result = spawnSync('bash', [path.join(capabilitiesDir, script)], {
        encoding: 'utf8',
        env: { PATH: `${bin}:/usr/bin:/bin`, LINODE_BUILD_LIB: bin, RETRY_DELAY_SECONDS: '0', ...env },
      });
      const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
    },
  };
}

describe.skipIf(!toolsAvailable('bash'))('gpu-nvidia scripts', () => {
  it('check-gpu fails with the instance type when there is no NVIDIA device', () => {
    const box = sandbox();
    box.stub('lspci', 'exit 0');
    const result = box.run('gpu-nvidia/check-gpu.sh', { INSTANCE_TYPE: 'g6-standard-8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no NVIDIA device on this instance (type g6-standard-8)');
    expect(result.stderr).toContain('GPU plan');
  });

  it('check-gpu passes when lspci lists an NVIDIA device', () => {
    const box = sandbox();
    box.stub('lspci', 'echo "00:02.0 3D controller: NVIDIA Corporation AD104GL [RTX 4000 SFF Ada]"');
    const result = box.run('gpu-nvidia/check-gpu.sh', {});
    expect(result.status).toBe(0);
    expect(result.calls).toContain('lspci -d 10de:');
  });

  it('install-driver uses the prebuilt module for the running kernel when the archive has it', () => {
    const box = sandbox();
    box.stub('apt-update', 'exit 0');
    box.stub('apt-install', 'exit 0');
    box.stub('apt-cache', 'exit 0');
    box.stub('modinfo', 'exit 0');
    const result = box.run('gpu-nvidia/install-driver.sh', { DRIVER_BRANCH: '570' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.calls).toContain(
      'apt-install linux-modules-nvidia-570-server-6.8.0-49-generic nvidia-headless-no-dkms-570-server nvidia-utils-570-server',
    );
    expect(result.calls).toContain('modinfo -k 6.8.0-49-generic nvidia');
    expect(result.calls.indexOf('apt-update ')).toBeLessThan(
      result.calls.findIndex((c) => c.startsWith('apt-cache')),
    );
  });

  it('install-driver falls back to DKMS with the running kernel headers', () => {
    const box = sandbox();
    box.stub('apt-update', 'exit 0');
    box.stub('apt-install', 'exit 0');
    box.stub('apt-cache', '[[ "$2" == linux-headers-* ]]');
    box.stub('modinfo', 'exit 0');
    const result = box.run('gpu-nvidia/install-driver.sh', { DRIVER_BRANCH: '550' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('building it with DKMS');
    expect(result.calls).toContain(
      'apt-install linux-headers-6.8.0-49-generic nvidia-headless-550-server nvidia-utils-550-server',
    );
  });

  it('install-driver fails clearly on a kernel without Ubuntu headers', () => {
    const box = sandbox();
    box.stub('apt-update', 'exit 0');
    box.stub('apt-install', 'exit 0');
    box.stub('apt-cache', 'exit 100');
    const result = box.run('gpu-nvidia/install-driver.sh', { DRIVER_BRANCH: '570' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('not an Ubuntu archive kernel');
    expect(result.calls.filter((c) => c.startsWith('apt-install'))).toEqual([]);
  });

  it('install-driver fails when apt fails, and when no module exists for the kernel afterwards', () => {
    const aptFails = sandbox();
    aptFails.stub('apt-update', 'exit 0');
    aptFails.stub('apt-install', 'echo "E: Unable to locate package" >&2; exit 100');
    aptFails.stub('apt-cache', 'exit 0');
    expect(aptFails.run('gpu-nvidia/install-driver.sh', { DRIVER_BRANCH: '570' }).status).toBe(100);

    const noModule = sandbox();
    noModule.stub('apt-update', 'exit 0');
    noModule.stub('apt-install', 'exit 0');
    noModule.stub('apt-cache', 'exit 0');
    noModule.stub('modinfo', 'exit 1');
    const result = noModule.run('gpu-nvidia/install-driver.sh', { DRIVER_BRANCH: '570' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no nvidia kernel module was installed for kernel 6.8.0-49-generic');
  });

  it('load-driver retries modprobe a bounded number of times, then fails', () => {
    const box = sandbox();
    box.stub('modprobe', 'exit 1');
    box.stub('nvidia-smi', 'exit 0');
    const result = box.run('gpu-nvidia/load-driver.sh', { MODPROBE_ATTEMPTS: '4' });
    expect(result.status).toBe(1);
    expect(result.calls.filter((c) => c === 'modprobe nvidia')).toHaveLength(4);
    expect(result.stderr).toContain("'modprobe nvidia' failed 4 times");
    expect(result.calls.some((c) => c.startsWith('reboot'))).toBe(false);
  });

  it('load-driver fails when nvidia-smi never succeeds, and passes when it does', () => {
    const failing = sandbox();
    failing.stub('modprobe', 'exit 0');
    failing.stub('nvidia-smi', 'exit 9');
    const failed = failing.run('gpu-nvidia/load-driver.sh', { SMI_ATTEMPTS: '3' });
    expect(failed.status).toBe(1);
    expect(failed.calls.filter((c) => c.startsWith('nvidia-smi'))).toHaveLength(3);

    const working = sandbox();
    working.stub('modprobe', 'exit 0');
    working.stub('nvidia-smi', 'echo "GPU 0: NVIDIA RTX 4000"');
    const passed = working.run('gpu-nvidia/load-driver.sh', {});
    expect(passed.status, passed.stderr).toBe(0);
    expect(passed.calls).toEqual(expect.arrayContaining(['modprobe nvidia', 'modprobe nvidia-uvm']));
  });

  it('configure-docker registers the runtime, restarts Docker and requires it to be listed', () => {
    const listed = sandbox();
    listed.stub('nvidia-ctk', 'exit 0');
    listed.stub(
      'docker',
      '[[ "$*" == *Runtimes* ]] && echo \'{"io.containerd.runc.v2":{},"nvidia":{},"runc":{}}\'; exit 0',
    );
    const ok = listed.run('gpu-nvidia/configure-docker.sh', {});
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.calls.filter((c) => c.startsWith('nvidia-ctk') || c.startsWith('systemctl'))).toEqual([
      'nvidia-ctk runtime configure --runtime=docker',
      'systemctl restart docker.service',
    ]);

    const missing = sandbox();
    missing.stub('nvidia-ctk', 'exit 0');
    missing.stub('docker', '[[ "$*" == *Runtimes* ]] && echo \'{"runc":{}}\'; exit 0');
    const failed = missing.run('gpu-nvidia/configure-docker.sh', {});
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('does not list the nvidia runtime');
  });
});

describe.skipIf(!toolsAvailable('bash'))('version checks', () => {
  it('nodejs/verify fails when the installed major is not the requested one', () => {
    const box = sandbox();
    box.stub('node', 'echo v18.19.1');
    box.stub('npm', 'echo 10.2.4');
    const wrong = box.run('nodejs/verify.sh', { NODE_MAJOR: '22' });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('node is v18.19.1, expected v22.x');
    const right = box.run('nodejs/verify.sh', { NODE_MAJOR: '18' });
    expect(right.status).toBe(0);
    expect(right.stdout).toContain('npm 10.2.4');
  });

  it('python/setup-venv fails when the interpreter reports another version', () => {
    const box = sandbox();
    box.stub('python3.11', 'echo 3.10');
    const result = box.run('python/setup-venv.sh', { PYTHON_VERSION: '3.11' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('python3.11 reports version 3.10, expected 3.11');
  });

  it('docker-optimize/verify fails when the daemon did not pick up live-restore', () => {
    const box = sandbox();
    box.stub('docker', 'echo false');
    const result = box.run('docker-optimize/verify.sh', { EXPECT_LIVE_RESTORE: 'true' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("live-restore is 'false', expected 'true'");
  });
});

/** venv needs ensurepip, which Debian ships separately (python3-venv); not in CI's apt list. */
function venvAvailable(): boolean {
  if (!toolsAvailable('python3')) return false;
  const ok = spawnSync('python3', ['-c', 'import ensurepip, venv'], { stdio: 'ignore' }).status === 0;
  if (!ok) console.warn('[skipped] python3 has no ensurepip/venv (install python3-venv to run this test)');
  return ok;
}

describe.skipIf(!venvAvailable())('python/setup-venv with the real interpreter', () => {
  it('creates the configured venv with a working pip', () => {
    const version = spawnSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
      encoding: 'utf8',
    }).stdout.trim();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-venv-'));
    const venv = path.join(dir, 'app-venv');
    const result = spawnSync('bash', [path.join(capabilitiesDir, 'python/setup-venv.sh')], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PYTHON_VERSION: version, VENV_PATH: venv },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`venv ready at ${venv}`);
    expect(spawnSync(path.join(venv, 'bin/python'), ['-m', 'pip', '--version']).status).toBe(0);
    // ensurepip installs pip twice (scratch venv and the app's); slow on a busy machine.
  }, 180_000);
});
