/**
 * One `templates boot-test` run: checks the machine can boot a guest, builds or reuses the
 * cached rootfs, boots the plan's exact user-data, follows the boot steps live (the same
 * progress lines as `deploy --wait`), probes the health check and reports the timings.
 * Everything it starts is stopped by PID before it returns, unless the caller keeps the guest.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readBootStatus } from '../../watcher/src/boot.js';
import { ETC_DIR } from '../cloudinit/layout.js';
import { reportBoot } from '../deploy/boot-watch.js';
import { Guest } from './guest.js';
import { BOOT_IMAGES, type BootImage, bootImage } from './images.js';
import { run, sleep } from './process.js';
import { type Relay, startRelay } from './relay.js';
import { ensureRootfs } from './rootfs.js';

export const REQUIRED_TOOLS = ['systemd-nspawn', 'debootstrap', 'nsenter', 'socat'] as const;

/** Why this machine cannot boot a guest (one line), or undefined when it can. */
export async function bootPrerequisiteProblem(
  platform = process.platform,
  uid = process.getuid?.(),
): Promise<string | undefined> {
  if (platform !== 'linux') return `boot tests need Linux (systemd-nspawn); this is ${platform}`;
  if (uid !== 0)
    return 'boot tests need root (systemd-nspawn creates namespaces and cgroups); run it with sudo';
  const missing: string[] = [];
  for (const tool of REQUIRED_TOOLS) {
    const found = await run(['sh', '-c', 'command -v "$1"', 'sh', tool], { timeoutMs: 5000 });
    if (found.code !== 0) missing.push(tool);
  }
  if (missing.length > 0) {
    return `boot tests need ${missing.join(', ')} (apt-get install systemd-container debootstrap util-linux socat)`;
  }
  if (
    !existsSync('/sys/fs/cgroup/cgroup.controllers') &&
    !existsSync('/sys/fs/cgroup/unified/cgroup.controllers')
  ) {
    return 'boot tests need a cgroup v2 hierarchy (/sys/fs/cgroup or /sys/fs/cgroup/unified)';
  }
  return undefined;
}

/** The user's cache directory for boot tests (LINODE_BUILD_BOOT_CACHE replaces it). */
export function bootCacheDirectory(env: NodeJS.ProcessEnv): string {
  if (env.LINODE_BUILD_BOOT_CACHE) return path.resolve(env.LINODE_BUILD_BOOT_CACHE);
  const base = env.XDG_CACHE_HOME
    ? path.resolve(env.XDG_CACHE_HOME)
    : path.join(env.HOME ?? os.homedir(), '.cache');
  return path.join(base, 'linode-build', 'boot');
}

export function bootImageFor(image: string): BootImage {
  const found = bootImage(image);
  if (!found) {
    throw new Error(
      `no local boot for image ${image}; boot-test knows ${BOOT_IMAGES.map((known) => known.image).join(', ')}`,
    );
  }
  return found;
}

export interface StepTiming {
  readonly id: string;
  readonly capability: string;
  readonly name: string;
  readonly state: string;
  readonly seconds: number | undefined;
  readonly exitCode?: number;
  readonly reason?: string;
}

export interface BootTestResult {
  readonly state: string;
  readonly healthy: boolean | undefined;
  readonly healthDetail: string;
  readonly bootToHealthySeconds: number | undefined;
  readonly bootToFinishedSeconds: number | undefined;
  readonly steps: readonly StepTiming[];
  readonly failure?: { readonly message: string; readonly lastLines: readonly string[] };
  readonly cloudInitStatus: string;
  readonly kept?: { readonly root: string; readonly shell: string; readonly stop: string };
}

export interface HealthProbe {
  readonly type: string;
  /** argv run inside the guest; exit 0 means healthy. */
  readonly argv: readonly string[];
}

export interface BootTestOptions {
  readonly image: BootImage;
  readonly cacheDir: string;
  readonly userData: Buffer;
  readonly health: HealthProbe | undefined;
  readonly timeoutMs: number;
  readonly keep: boolean;
  /** Capabilities this machine cannot run (name → reason): skipped by the runner, never faked. */
  readonly cannotRun?: Readonly<Record<string, string>>;
  readonly progress: (line: string) => void;
}

/** What cannot run in a local container: gpu-nvidia without an NVIDIA device. */
export function capabilitiesThatCannotRun(capabilities: readonly string[]): Record<string, string> {
  const cannot: Record<string, string> = {};
  if (capabilities.includes('gpu-nvidia') && !existsSync('/dev/nvidia0')) {
    cannot['gpu-nvidia'] = 'no NVIDIA GPU on this machine';
  }
  return cannot;
}

function seconds(from: string | undefined, to: string | undefined): number | undefined {
  if (!from || !to) return undefined;
  return Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
}

/** Boots once and reports; the guest is destroyed unless `keep`. */
export async function bootTest(options: BootTestOptions): Promise<BootTestResult> {
  const rootfs = await ensureRootfs({
    cacheDir: options.cacheDir,
    image: options.image,
    onProgress: options.progress,
  });
  const relayDir = mkdtempSync(path.join(os.tmpdir(), 'lb-relay-'));
  let relay: Relay | undefined;
  let guest: Guest | undefined;
  // Ctrl-C (or a TERM) stops the guest and the relay before exiting: nothing is left behind.
  const interrupted = (signal: NodeJS.Signals) => {
    void (async () => {
      await guest?.destroy().catch(() => undefined);
      await relay?.close().catch(() => undefined);
      rmSync(relayDir, { recursive: true, force: true });
      process.exit(signal === 'SIGINT' ? 130 : 143);
    })();
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    relay = await startRelay(path.join(relayDir, 'relay.sock'), path.join(options.cacheDir, 'apt'));
    const name = `boot-test-${process.pid}`;
    guest = await Guest.create({
      baseRootfs: rootfs,
      workDir: path.join(options.cacheDir, 'guests', name),
      name,
      userData: options.userData,
      relayDir,
    });
    const cannotRun = Object.entries(options.cannotRun ?? {});
    if (cannotRun.length > 0) {
      // Read by the boot runner (boot-runner.sh): these capabilities and their dependents skip.
      const etc = path.join(guest.root, ETC_DIR.slice(1));
      mkdirSync(etc, { recursive: true });
      writeFileSync(
        path.join(etc, 'boot-test-skip'),
        cannotRun.map(([name, reason]) => `${name}\t${reason.replace(/[\t\n]/g, ' ')}\n`).join(''),
      );
      for (const [name, reason] of cannotRun) {
        options.progress(
          `${name} cannot run here (${reason}): its steps and what depends on it will be skipped`,
        );
      }
    }
    options.progress(`booting ${options.image.image} (${options.image.suite}) under systemd-nspawn`);
    await guest.start();
    const statusFile = path.join(guest.root, 'var/lib/linode-build/boot-status.json');
    const reported = new Map<string, string>();
    const deadline = Date.now() + options.timeoutMs;
    let failure: BootTestResult['failure'];
    let finished = false;
    while (Date.now() < deadline) {
      const progress = { cloud_init: { status: 'running', errors: [] }, ...readBootStatus(statusFile) };
      failure ??= reportBoot(progress, reported, (line) => options.progress(line));
      finished =
        (await guest
          .waitCloudInit(0)
          .then(() => true)
          .catch(() => false)) || progress.state === 'failed';
      if (finished) break;
      await sleep(1000);
    }
    const status = readBootStatus(statusFile);
    const healthyStep = status.steps.find(
      (step) => step.capability === 'app' && step.name === 'wait-healthy',
    );
    let healthy: boolean | undefined;
    let healthDetail = 'no health check in the template';
    if (!finished) healthDetail = `the boot did not finish within ${Math.round(options.timeoutMs / 1000)}s`;
    else if (options.health) {
      const probe = await guest.exec(options.health.argv, 20_000);
      healthy = probe.code === 0;
      // health-wait prints its progress; the probe's own answer (e.g. "HTTP 200") is the detail.
      const lines = `${probe.stdout}\n${probe.stderr}`.split('\n').map((line) => line.trim());
      const answer = lines.find((line) => /^HTTP \d+/.test(line)) ?? lines.filter(Boolean).at(-1) ?? '';
      healthDetail = `${options.health.type} check ${healthy ? 'passes' : 'fails'}${answer ? ` (${answer.slice(0, 200)})` : ''}`;
    }
    const startedAt = new Date(guest.bootStartedAt).toISOString();
    const cloudInit = await guest.exec(['cloud-init', 'status', '--long'], 20_000);
    const result: BootTestResult = {
      state: status.state,
      healthy,
      healthDetail,
      bootToHealthySeconds:
        healthyStep?.state === 'ok' ? seconds(startedAt, healthyStep.finished_at) : undefined,
      bootToFinishedSeconds: finished ? (Date.now() - guest.bootStartedAt) / 1000 : undefined,
      steps: status.steps.map((step) => ({
        id: step.id,
        capability: step.capability,
        name: step.name,
        state: step.state,
        seconds: seconds(step.started_at, step.finished_at),
        ...(step.exit_code !== undefined ? { exitCode: step.exit_code } : {}),
      })),
      ...(failure ? { failure } : {}),
      cloudInitStatus: (cloudInit.stdout + cloudInit.stderr).trim(),
    };
    if (options.keep) {
      const leader = guest.leaderPid;
      const kept = {
        root: guest.root,
        shell: `sudo nsenter --target=${leader} --mount --uts --ipc --net --pid -- /bin/bash -l`,
        stop: `sudo kill ${guest.pid}   # then: sudo rm -rf ${path.dirname(guest.root)}`,
      };
      guest.detach();
      guest = undefined;
      return { ...result, kept };
    }
    return result;
  } finally {
    process.removeListener('SIGINT', interrupted);
    process.removeListener('SIGTERM', interrupted);
    if (guest) {
      options.progress('stopping the container and deleting its copy');
      await guest.destroy();
    }
    await relay?.close();
    rmSync(relayDir, { recursive: true, force: true });
  }
}
