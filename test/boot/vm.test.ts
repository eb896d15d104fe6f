/**
 * Case 1 once more in a full VM (issue 13, case 6): QEMU with software emulation, Debian 12's
 * own kernel with AppArmor enabled, real udev and a NIC on QEMU's user network. This is the
 * boot that catches what a container cannot: docker.io without `apparmor` starts no container
 * on an AppArmor kernel (bug 1). Slow (minutes): it runs in its own CI slot (`npm run test:vm`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tunnel } from '../../src/watcher-client/tunnel.js';
import { expectEnvDelivered, expectEveryStepOk } from './assertions.js';
import { METADATA_ADDRESS, METADATA_ANSWER } from './fake-metadata.js';
import { explain, PREVIEW_WATCHER_TOKEN } from './harness.js';
import { dockerTemplate, dotenvFor, HOSTILE, metadataRequest, WATCHER_PORT } from './templates.js';
import {
  bootProjectInVm,
  closeVmEnvironment,
  getOverSocket,
  type VmRecord,
  vmAvailable,
  vmWatcherNode,
  watcherTunnel,
} from './vm-harness.js';

const enabled = vmAvailable();
const APP_PORT = 80;

async function vmOk(record: VmRecord, argv: readonly string[], timeoutMs = 60_000): Promise<string> {
  const result = await record.vm.exec(argv, timeoutMs);
  if (result.code !== 0) {
    throw new Error(
      `${argv.join(' ')} failed in the VM (exit ${result.code}):\n${result.stdout}${result.stderr}`,
    );
  }
  return result.stdout;
}

describe.skipIf(!enabled)('boot: case 1 in a full VM (QEMU/TCG, Debian kernel, AppArmor on) (case 6)', () => {
  let record: VmRecord;

  beforeAll(async () => {
    record = await bootProjectInVm({
      name: 'vm-docker-ok',
      files: { deployYml: dockerTemplate(await vmWatcherNode()), dotenv: dotenvFor(HOSTILE) },
      forwardPorts: [APP_PORT],
    });
  }, 30 * 60_000);

  afterAll(async () => {
    await record?.vm.destroy();
    await closeVmEnvironment();
  }, 2 * 60_000);

  it('the kernel enforces AppArmor and Docker confines the app container with its docker-default profile', async () => {
    expect((await vmOk(record, ['cat', '/sys/module/apparmor/parameters/enabled'])).trim()).toBe('Y');
    const pid = (await vmOk(record, ['docker', 'inspect', '--format', '{{.State.Pid}}', 'app'])).trim();
    expect(pid, explain(record)).toMatch(/^[1-9][0-9]*$/);
    const confinement = await vmOk(record, ['cat', `/proc/${pid}/attr/current`]);
    expect(confinement.trim()).toBe('docker-default (enforce)');
  });

  it('cloud-init finishes with status done and every boot step ok', () => {
    expectEveryStepOk(record);
  });

  it("the app answers its health check on the published port, through the VM's NIC", async () => {
    const response = await fetch(`http://127.0.0.1:${record.vm.hostPort(APP_PORT)}/health`, {
      signal: AbortSignal.timeout(20_000),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok\n');
    expect((await vmOk(record, ['systemctl', 'is-active', 'linode-build-app.service'])).trim()).toBe(
      'active',
    );
  });

  it('the container gets env values byte for byte, the volume and the setup file', async () => {
    await expectEnvDelivered(
      record,
      (argv) => vmOk(record, argv),
      async (file) => (await record.vm.readFile(file)) !== undefined,
    );
  });

  it('the metadata address answers the instance but not the container', async () => {
    const direct = await vmOk(record, ['curl', '-sS', '--max-time', '10', `http://${METADATA_ADDRESS}/`]);
    expect(direct).toContain(METADATA_ANSWER);
    const fromContainer = await record.vm.exec(metadataRequest, 60_000);
    expect(fromContainer.stdout).not.toContain(METADATA_ANSWER);
    expect(fromContainer.code, fromContainer.stdout + fromContainer.stderr).not.toBe(0);
  });

  it("the watcher answers /health, and /issues only with the deployment's token (over deploy's ssh tunnel)", async () => {
    const workDir = mkdtempSync(path.join(os.tmpdir(), 'lb-vm-tunnel-'));
    let tunnel: Tunnel | undefined;
    try {
      tunnel = await watcherTunnel(record.vm, WATCHER_PORT, workDir);
      expect((await getOverSocket(tunnel.socketPath, '/health')).status).toBe(200);
      const withToken = await getOverSocket(tunnel.socketPath, '/issues', {
        authorization: `Bearer ${PREVIEW_WATCHER_TOKEN}`,
      });
      expect(withToken.status).toBe(200);
      expect(JSON.parse(withToken.body)).toBeTypeOf('object');
      expect((await getOverSocket(tunnel.socketPath, '/issues')).status).toBe(401);
      const wrong = await getOverSocket(tunnel.socketPath, '/issues', {
        authorization: 'Bearer not-the-token',
      });
      expect(wrong.status).toBe(401);
    } finally {
      tunnel?.close();
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});
