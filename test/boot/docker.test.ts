/**
 * Real boots of docker templates (issue 13, cases 1 and 3): the user-data `plan` writes is
 * booted under systemd + cloud-init in a Debian 12 container (systemd-nspawn), and the tests
 * assert what the instance does, not what the files say.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_PATH, NODE_SHA256_PATH } from '../../capabilities/buildwatch/delivery.js';
import { reportBoot } from '../../src/deploy/boot-watch.js';
import { preparePlan } from '../../src/deploy/prepare.js';
import { appUpdateFiles, appUpdateScript } from '../../src/update/script.js';
import { WatcherClient } from '../../src/watcher-client/client.js';
import { watcherNodeVersion } from '../support/watcher-node.js';
import { expectEnvDelivered, expectEveryStepOk } from './assertions.js';
import { METADATA_ADDRESS, METADATA_ANSWER } from './fake-metadata.js';
import {
  BOOT_IMAGE,
  type BootRecord,
  bootAvailable,
  bootProject,
  CLOUD_INIT_TIMEOUT_MS,
  closeBootEnvironment,
  destroyGuest,
  explain,
  guestOk,
  PREVIEW_WATCHER_TOKEN,
  watcherNodeOverride,
} from './harness.js';
import { dockerTemplate, dotenvFor, HOSTILE, metadataRequest, WATCHER_PORT } from './templates.js';

const enabled = bootAvailable();

/** Where the guests' watcher gets its Node (the relay: nodejs.org is out of reach here). */
let watcherNode: { url: string; sha256: string } | undefined;
beforeAll(async () => {
  if (enabled) watcherNode = await watcherNodeOverride();
}, 5 * 60_000);

/** The container gets no answer from the metadata address (dropped: the request times out). */
async function expectMetadataBlocked(record: BootRecord): Promise<void> {
  const fromContainer = await record.guest.exec(metadataRequest, 20_000);
  expect(fromContainer.stdout).not.toContain(METADATA_ANSWER);
  expect(fromContainer.code, fromContainer.stdout + fromContainer.stderr).not.toBe(0);
}

describe.skipIf(!enabled)('boot: docker template with buildwatch (case 1)', () => {
  let record: BootRecord;

  beforeAll(async () => {
    record = await bootProject({
      name: 'docker-ok',
      files: { deployYml: dockerTemplate(watcherNode), dotenv: dotenvFor(HOSTILE) },
    });
  }, 10 * 60_000);

  afterAll(async () => {
    await destroyGuest(record?.guest);
  }, 3 * 60_000);

  it('cloud-init finishes with status done and every boot step ok', () => {
    expectEveryStepOk(record);
  });

  it('the app answers its health check on the published port', async () => {
    const body = await guestOk(record.guest, [
      'curl',
      '-sS',
      '--max-time',
      '5',
      'http://127.0.0.1:80/health',
    ]);
    expect(body).toBe('ok\n');
    const state = await guestOk(record.guest, ['systemctl', 'is-active', 'linode-build-app.service']);
    expect(state.trim()).toBe('active');
  });

  it('the container gets env values byte for byte, the volume and the setup file', async () => {
    await expectEnvDelivered(
      record,
      (argv) => guestOk(record.guest, argv),
      async (file) => record.guest.readFile(file.slice(1)) !== undefined,
    );
  });

  it('setup script and post-start hook ran once each', () => {
    expect(record.guest.readFile('var/lib/boottest-setup')?.trim().split('\n')).toHaveLength(1);
    expect(record.guest.readFile('var/lib/boottest-post-start')?.trim().split('\n')).toHaveLength(1);
  });

  it('the metadata address answers the instance but not the container', async () => {
    // The stand-in is reachable from the instance itself (so no answer below means the block).
    const direct = await guestOk(record.guest, [
      'curl',
      '-sS',
      '--max-time',
      '5',
      `http://${METADATA_ADDRESS}/`,
    ]);
    expect(direct).toContain(METADATA_ANSWER);
    await expectMetadataBlocked(record);
  });

  it("the watcher answers /health, and /issues only with the deployment's token", async () => {
    const forward = await record.guest.forward(WATCHER_PORT);
    try {
      const health = await fetch(`${forward.url}/health`);
      expect(health.status).toBe(200);
      const withToken = await fetch(`${forward.url}/issues`, {
        headers: { authorization: `Bearer ${PREVIEW_WATCHER_TOKEN}` },
      });
      expect(withToken.status).toBe(200);
      expect(await withToken.json()).toBeTypeOf('object');
      // fetch asks for gzip and unpacks it: the header says what came over the wire.
      const gzipped = await fetch(`${forward.url}/issues?state=all`, {
        headers: { authorization: `Bearer ${PREVIEW_WATCHER_TOKEN}`, 'accept-encoding': 'gzip' },
      });
      expect(gzipped.headers.get('content-encoding')).toBe('gzip');
      expect(await gzipped.json()).toHaveProperty('count');
      const without = await fetch(`${forward.url}/issues`);
      expect(without.status).toBe(401);
      const wrong = await fetch(`${forward.url}/issues`, {
        headers: { authorization: 'Bearer not-the-token' },
      });
      expect(wrong.status).toBe(401);
    } finally {
      forward.close();
    }
  });

  it("the watcher runs on its own pinned Node, downloaded and checked at boot, not the image's", async () => {
    const pid = (
      await guestOk(record.guest, ['systemctl', 'show', '-p', 'MainPID', '--value', 'buildwatch.service'])
    ).trim();
    expect(Number(pid), explain(record)).toBeGreaterThan(0);
    expect((await guestOk(record.guest, ['readlink', `/proc/${pid}/exe`])).trim()).toBe(NODE_PATH);
    expect((await guestOk(record.guest, [NODE_PATH, '--version'])).trim()).toBe(`v${watcherNodeVersion}`);
    // The recorded checksum the unit checks before every start matches the binary.
    await guestOk(record.guest, ['sha256sum', '--check', '--quiet', NODE_SHA256_PATH]);
    // No distribution nodejs was installed for it.
    expect((await record.guest.exec(['dpkg', '-s', 'nodejs'])).code).not.toBe(0);
    const log =
      record.stepLogs[Object.keys(record.stepLogs).find((name) => name.includes('start-watcher')) ?? ''];
    expect(log, explain(record)).toContain(`Node.js v${watcherNodeVersion} in`);
  });

  describe('the same instance after a reboot (case 4)', () => {
    let firstStatus: string | undefined;
    let healthyAfter: number;

    beforeAll(async () => {
      firstStatus = record.guest.readFile('var/lib/linode-build/boot-status.json');
      await record.guest.reboot();
      await record.guest.waitCloudInit(CLOUD_INIT_TIMEOUT_MS);
      // The runner does not run again: the app unit and Docker's restart policy bring it back.
      const deadline = Date.now() + 120_000;
      for (;;) {
        const probe = await record.guest.exec([
          'curl',
          '-fsS',
          '--max-time',
          '2',
          'http://127.0.0.1:80/health',
        ]);
        if (probe.code === 0) break;
        if (Date.now() > deadline)
          throw new Error(`the app did not come back after the reboot\n${explain(record)}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      healthyAfter = (Date.now() - record.guest.bootStartedAt) / 1000;
      console.log(`[boot] docker-ok after reboot: healthy ${healthyAfter.toFixed(1)}s after start`);
    }, 6 * 60_000);

    it('nothing that must run once ran twice', () => {
      expect(record.guest.readFile('var/lib/linode-build/boot-status.json')).toBe(firstStatus);
      expect(record.guest.readFile('var/lib/boottest-setup')?.trim().split('\n')).toHaveLength(1);
      expect(record.guest.readFile('var/lib/boottest-post-start')?.trim().split('\n')).toHaveLength(1);
    });

    it('the app and the watcher come back', async () => {
      expect(
        (await guestOk(record.guest, ['systemctl', 'is-active', 'linode-build-app.service'])).trim(),
      ).toBe('active');
      expect((await guestOk(record.guest, ['systemctl', 'is-active', 'buildwatch.service'])).trim()).toBe(
        'active',
      );
      const environ = await guestOk(record.guest, ['docker', 'exec', 'app', 'cat', '/proc/1/environ']);
      expect(environ.split('\0')).toContain(`HOSTILE=${HOSTILE}`);
    });

    it('the metadata block holds before Docker and the app container start, and still blocks', async () => {
      const monotonic = async (unit: string, property: string) =>
        Number((await guestOk(record.guest, ['systemctl', 'show', '-p', property, '--value', unit])).trim());
      const blocked = await monotonic('linode-build-metadata-block.service', 'ActiveEnterTimestampMonotonic');
      const dockerStarted = await monotonic('docker.service', 'ExecMainStartTimestampMonotonic');
      const appStarted = await monotonic('linode-build-app.service', 'ExecMainStartTimestampMonotonic');
      expect(blocked).toBeGreaterThan(0);
      // dockerd restarts `unless-stopped` containers as it starts: the block must be first.
      expect(blocked).toBeLessThanOrEqual(dockerStarted);
      expect(blocked).toBeLessThanOrEqual(appStarted);
      await expectMetadataBlocked(record);
    });
  });

  /**
   * deploy's in-place update (issue 12), run on this booted instance under its real systemd
   * and Docker: the exact program deploy sends over SSH (`appUpdateScript`) arrives on bash's
   * standard input, as ssh would deliver it. The SSH transport itself is tested against a real
   * sshd in test/e2e/converge.test.ts.
   */
  describe('an in-place update of the booted instance (issue 12)', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'lb-boot-update-home-'));
    async function updateProgram(deployYml: string, dotenv: string): Promise<string> {
      const project = path.dirname(record.planDir);
      writeFileSync(path.join(project, 'deploy.yml'), deployYml);
      writeFileSync(path.join(project, '.env'), dotenv, { mode: 0o600 });
      const prepared = await preparePlan({
        cwd: project,
        env: { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') },
        mode: 'preview',
        image: BOOT_IMAGE,
        now: new Date(),
      });
      return appUpdateScript(appUpdateFiles(prepared.plan));
    }
    const environ = async () =>
      (await guestOk(record.guest, ['docker', 'exec', 'app', 'cat', '/proc/1/environ'])).split('\0');

    it('swaps in a changed env value, restarts the unit and is healthy: the value arrives byte-exact', async () => {
      const program = await updateProgram(dockerTemplate(watcherNode), dotenvFor(`${HOSTILE}v2`));
      const result = await record.guest.exec(['bash', '-s'], 240_000, program);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain('==> updated: the app is healthy');
      expect(await environ()).toContain(`HOSTILE=${HOSTILE}v2`);
      expect((await guestOk(record.guest, ['stat', '-c', '%a %U', '/etc/linode-build/app.env'])).trim()).toBe(
        '600 root',
      );
      const state = await guestOk(record.guest, ['systemctl', 'is-active', 'linode-build-app.service']);
      expect(state.trim()).toBe('active');
      expect(record.guest.readFile('tmp/pwned')).toBeUndefined();
    });

    it('rolls back a version that never becomes healthy, and the previous one serves again', async () => {
      const broken = dockerTemplate(watcherNode)
        .replace(/ {6}command: .*\n/, '      command: [sh, -c, "exit 3"]\n')
        .replace('max_retries: 60', 'max_retries: 3');
      expect(broken).toContain('"exit 3"');
      const program = await updateProgram(broken, dotenvFor(`${HOSTILE}v2`));
      const result = await record.guest.exec(['bash', '-s'], 240_000, program);
      expect(result.code, result.stdout + result.stderr).toBe(3);
      expect(result.stdout).toContain('==> rolled back: the previous version is healthy again');
      const body = await guestOk(record.guest, [
        'curl',
        '-sS',
        '--max-time',
        '5',
        'http://127.0.0.1:80/health',
      ]);
      expect(body).toBe('ok\n');
      expect(await environ()).toContain(`HOSTILE=${HOSTILE}v2`);
      const conf = record.guest.readFile('etc/linode-build/app.conf') ?? '';
      expect(conf).not.toContain('exit 3');
    });
  });
});

describe.skipIf(!enabled)('boot: a step that fails on purpose (case 3)', () => {
  let record: BootRecord;
  const missing = 'linode-build-no-such-package';

  beforeAll(async () => {
    record = await bootProject({
      name: 'docker-fail',
      files: {
        deployYml: dockerTemplate(watcherNode, { packages: [missing], name: 'boot-fail' }),
        dotenv: 'HOSTILE=x\n',
      },
    });
  }, 10 * 60_000);

  afterAll(async () => {
    await destroyGuest(record?.guest);
  }, 3 * 60_000);

  it('records the failed step with its exit code and last lines', () => {
    expect(record.bootStatus?.state, explain(record)).toBe('failed');
    const failed = record.bootStatus!.steps.filter((step) => step.state === 'failed');
    expect(
      failed.map((step) => step.capability),
      explain(record),
    ).toEqual(['packages']);
    expect(failed[0]!.exit_code).toBeGreaterThan(0);
    expect(failed[0]!.output_tail.join('\n')).toContain(missing);
  });

  it('skips what depends on it, naming the failed step, and never starts the app', async () => {
    const app = record.bootStatus!.steps.filter((step) => step.capability === 'app');
    expect(app.length).toBeGreaterThan(0);
    for (const step of app) {
      expect(step.state, explain(record)).toBe('skipped');
      expect(step.reason).toContain('packages');
    }
    const active = await record.guest.exec(['systemctl', 'is-active', 'linode-build-app.service']);
    expect(active.stdout.trim()).not.toBe('active');
    const containers = await guestOk(record.guest, ['docker', 'ps', '-a', '--format', '{{.Names}}']);
    expect(containers.trim()).toBe('');
  });

  it("deploy --wait's watcher client reports the failed step from the booted watcher", async () => {
    const forward = await record.guest.forward(WATCHER_PORT);
    try {
      const client = new WatcherClient(
        { baseUrl: forward.url, token: PREVIEW_WATCHER_TOKEN },
        { timeoutMs: 5000 },
      );
      const lines: string[] = [];
      const failure = reportBoot((await client.status()).boot, new Map(), (line) => lines.push(line));
      expect(failure?.message, lines.join('\n')).toMatch(/boot step packages: .* failed with exit code \d+/);
      expect(failure?.lastLines.join('\n')).toContain(missing);
    } finally {
      forward.close();
    }
  });
});

afterAll(async () => {
  await closeBootEnvironment();
});
