/**
 * Boot-test harness: plans a project with the real built CLI (`plan --out`, the exact bytes
 * deploy sends), boots them under systemd-nspawn + cloud-init in a copy of the cached Debian 12
 * rootfs (src/boottest/), and collects what a human would look at when a boot goes wrong.
 * The rootfs and the apt package cache live in .cache/boot/ (git-ignored), shared by .ci/run
 * and local runs. Every process is started and stopped by PID; every wait is bounded.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Guest, Guest as GuestClass } from '../../src/boottest/guest.js';
import { bootImage } from '../../src/boottest/images.js';
import { type Relay, startRelay } from '../../src/boottest/relay.js';
import { ensureRootfs, GUEST_PROXY } from '../../src/boottest/rootfs.js';
import { repoRoot, runCli, tempHome } from '../support/cli.js';
import { hasTool, inCI } from '../support/tools.js';
import { watcherNodeArchive, watcherNodePath } from '../support/watcher-node.js';
import { installFakeMetadata } from './fake-metadata.js';
import { writeBusyboxRegistry } from './registry-image.js';

export const CACHE_DIR = process.env.LINODE_BUILD_BOOT_CACHE ?? path.join(repoRoot, '.cache/boot');
export const BOOT_IMAGE = 'linode/debian12';
/** What the harness waits for cloud-init, per boot (a cold apt cache included). */
export const CLOUD_INIT_TIMEOUT_MS = 6 * 60_000;
/** The watcher token `plan` writes into user-data (plan never sees the real one). */
export const PREVIEW_WATCHER_TOKEN = 'preview-watcher-token-not-used';

const TOOLS = ['systemd-nspawn', 'debootstrap', 'nsenter', 'socat', 'tar', 'chroot'];

/**
 * Whether real boots can run here. Locally, prints the reason and returns false (the suite
 * skips); in CI (CI=true) a missing piece fails the suite: .ci/run installs all of it.
 */
export function bootAvailable(): boolean {
  const reasons: string[] = [];
  if (process.platform !== 'linux') reasons.push('not Linux');
  else if (process.getuid?.() !== 0) reasons.push('not root (systemd-nspawn needs root)');
  const missing = TOOLS.filter((tool) => !hasTool(tool));
  if (missing.length > 0) reasons.push(`missing tool(s): ${missing.join(', ')}`);
  if (!existsSync('/bin/busybox')) reasons.push('no /bin/busybox (busybox-static) for the test image');
  if (!existsSync(watcherNodePath()))
    reasons.push("no watcher Node build (node scripts/fetch-watcher-node.mjs) for buildwatch's download");
  if (reasons.length === 0) return true;
  const reason = `boot tests need ${reasons.join('; ')} (.ci/run installs what is missing)`;
  if (inCI) throw new Error(`CI must run the boot tests, but: ${reason}`);
  console.warn(`[skipped] ${reason}`);
  return false;
}

interface Shared {
  readonly rootfs: string;
  readonly relay: Relay;
  readonly relayDir: string;
}

let shared: Promise<Shared> | undefined;

/** The cached rootfs (built on first use) and the apt relay, once per test process. */
export function bootEnvironment(): Promise<Shared> {
  shared ??= (async () => {
    const image = bootImage(BOOT_IMAGE);
    if (!image) throw new Error(`no boot image for ${BOOT_IMAGE}`);
    const started = Date.now();
    const rootfs = await ensureRootfs({
      cacheDir: CACHE_DIR,
      image,
      onProgress: (line) => console.log(`[boot] ${line}`),
    });
    console.log(`[boot] rootfs ready in ${((Date.now() - started) / 1000).toFixed(1)}s: ${rootfs}`);
    // A short path: Unix socket paths are limited to 108 bytes.
    const relayDir = mkdtempSync(path.join(os.tmpdir(), 'lb-relay-'));
    const relay = await startRelay(path.join(relayDir, 'relay.sock'), path.join(CACHE_DIR, 'apt'));
    return { rootfs, relay, relayDir };
  })();
  return shared;
}

/**
 * The buildwatch config's `node` override for booted guests: nodejs.org is unreachable from the
 * test machine, so the pinned build (the npm registry's copy, test/support/watcher-node.ts) is
 * packed as nodejs.org packs it and published by the relay, which the guest reaches on its own
 * loopback; the install step downloads it and checks it against this sha256 as it would the
 * official archive.
 */
export async function watcherNodeOverride(): Promise<{ url: string; sha256: string }> {
  const { relay } = await bootEnvironment();
  const archive = watcherNodeArchive();
  const pathname = relay.serveFile(path.basename(archive.file), archive.file);
  return { url: new URL(pathname, GUEST_PROXY).href, sha256: archive.sha256 };
}

/** Guests not destroyed yet: closeBootEnvironment stops whatever a failed test left running. */
const live = new Set<Guest>();

/** LINODE_BUILD_BOOT_KEEP=1 leaves the guests running for a look inside (debugging a case). */
const keep = process.env.LINODE_BUILD_BOOT_KEEP === '1' && !inCI;

export async function destroyGuest(guest: Guest | undefined): Promise<void> {
  if (!guest) return;
  live.delete(guest);
  if (keep) {
    console.log(
      `[boot] kept ${guest.root}: sudo nsenter --target=${guest.leaderPid} --mount --uts --ipc --net --pid -- /bin/bash; stop: kill ${guest.pid}`,
    );
    guest.detach();
    return;
  }
  await guest.destroy();
}

export async function closeBootEnvironment(): Promise<void> {
  for (const guest of [...live]) await destroyGuest(guest);
  if (!shared) return;
  const { relay, relayDir } = await shared;
  await relay.close();
  rmSync(relayDir, { recursive: true, force: true });
  shared = undefined;
}

export interface StepStatus {
  readonly id: string;
  readonly capability: string;
  readonly name: string;
  readonly state: string;
  readonly exit_code: number | null;
  readonly reason?: string;
  readonly output_tail: string[];
  readonly started_at: string | null;
  readonly finished_at: string | null;
}

export interface BootStatus {
  readonly state: string;
  readonly started_at: string;
  readonly finished_at?: string;
  readonly steps: StepStatus[];
}

/** What a human looks at when a boot goes wrong, from any kind of guest. */
export interface BootDiagnostics {
  readonly cloudInitStatus: string;
  readonly cloudInitOutput: string;
  readonly bootStatus: BootStatus | undefined;
  readonly journal: string;
  /** Where to look further (the guest's root, its console log). */
  readonly where: string;
}

export interface BootRecord extends BootDiagnostics {
  readonly guest: Guest;
  readonly planDir: string;
  readonly stepLogs: Record<string, string>;
  /** Seconds from nspawn start to the health check passing (undefined: it never did). */
  readonly bootToHealthy: number | undefined;
  /** Seconds from nspawn start to cloud-init's boot-finished. */
  readonly bootToFinished: number;
}

export interface ProjectFiles {
  readonly deployYml: string;
  readonly dotenv?: string;
}

/** Plans the project with the built CLI; returns the --out directory. */
export async function planProject(name: string, files: ProjectFiles, image = BOOT_IMAGE): Promise<string> {
  const project = mkdtempSync(path.join(os.tmpdir(), `lb-boot-${name}-`));
  writeFileSync(path.join(project, 'deploy.yml'), files.deployYml);
  if (files.dotenv !== undefined) writeFileSync(path.join(project, '.env'), files.dotenv, { mode: 0o600 });
  const out = path.join(project, 'plan-out');
  const { env } = tempHome();
  const result = await runCli(['plan', '-d', project, '--out', out, '--image', image], { env });
  if (result.code !== 0)
    throw new Error(`plan failed (exit ${result.code}):\n${result.stderr}${result.stdout}`);
  return out;
}

/** The exact bytes deploy sends: the gzipped payload when plan gzips, else the document. */
export function userDataBytes(planDir: string): Buffer {
  const gz = path.join(planDir, 'user-data.yaml.gz');
  return readFileSync(existsSync(gz) ? gz : path.join(planDir, 'user-data.yaml'));
}

export const UNITS = [
  'cloud-final.service',
  'linode-build-app.service',
  'linode-build-metadata-block.service',
  'buildwatch.service',
  'docker.service',
];

/** How diagnostics reach into a guest: run a command, read a file (absolute path). */
export interface GuestAccess {
  exec(argv: readonly string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }>;
  readFile(file: string): Promise<string | undefined>;
}

/** cloud-init's status and output log, boot-status.json and our units' journal. */
export async function gatherDiagnostics(
  access: GuestAccess,
  where: string,
  units: readonly string[] = UNITS,
): Promise<BootDiagnostics> {
  const status = await access.exec(['cloud-init', 'status', '--long'], 30_000);
  const journal = await access.exec(
    ['journalctl', '--no-pager', '-o', 'short-precise', '-b', ...units.flatMap((unit) => ['-u', unit])],
    30_000,
  );
  const statusText = await access.readFile('/var/lib/linode-build/boot-status.json');
  return {
    cloudInitStatus: status.stdout + status.stderr,
    cloudInitOutput: (await access.readFile('/var/log/cloud-init-output.log')) ?? '',
    bootStatus: statusText ? (JSON.parse(statusText) as BootStatus) : undefined,
    journal: journal.stdout + journal.stderr,
    where,
  };
}

/** Diagnostics plus per-step logs and timings of an nspawn guest. */
export async function collect(
  guest: Guest,
  planDir: string,
  units: readonly string[] = UNITS,
): Promise<BootRecord> {
  const diagnostics = await gatherDiagnostics(
    {
      exec: (argv, timeoutMs) => guest.exec(argv, timeoutMs),
      readFile: async (file) => guest.readFile(file.replace(/^\/+/, '')),
    },
    `guest root (kept until the suite ends): ${guest.root}`,
    units,
  );
  const stepLogs: Record<string, string> = {};
  const stepsDir = path.join(guest.root, 'var/log/linode-build/steps');
  if (existsSync(stepsDir)) {
    for (const file of readdirSync(stepsDir))
      stepLogs[file.replace(/\.log$/, '')] = readFileSync(path.join(stepsDir, file), 'utf8');
  }
  const finishedMs = await guest.waitCloudInit(0).catch(() => Date.now());
  return {
    ...diagnostics,
    guest,
    planDir,
    stepLogs,
    bootToHealthy: secondsToHealthy(diagnostics.bootStatus, guest.bootStartedAt),
    bootToFinished: (finishedMs - guest.bootStartedAt) / 1000,
  };
}

/** Seconds from `startedAt` (ms) to the app's health wait succeeding; undefined if it never did. */
export function secondsToHealthy(status: BootStatus | undefined, startedAt: number): number | undefined {
  const healthy = status?.steps.find((step) => step.capability === 'app' && step.name === 'wait-healthy');
  if (healthy?.state !== 'ok' || !healthy.finished_at) return undefined;
  // boot-status.json has whole seconds: the step finished within the second after.
  return Math.max(0, (Date.parse(healthy.finished_at) + 1000 - startedAt) / 1000);
}

/** What to read when an assertion fails: the failing pieces of the record, trimmed. */
export function explain(record: BootDiagnostics): string {
  const tail = (text: string, lines: number) => text.trimEnd().split('\n').slice(-lines).join('\n');
  return [
    `cloud-init status --long:\n${record.cloudInitStatus}`,
    `boot steps: ${record.bootStatus?.steps.map((step) => `${step.id}=${step.state}`).join(' ') ?? '(no boot-status.json)'}`,
    `cloud-init-output.log (last 40 lines):\n${tail(record.cloudInitOutput, 40)}`,
    `journal of our units (last 40 lines):\n${tail(record.journal, 40)}`,
    record.where,
  ].join('\n\n');
}

export interface BootOptions {
  readonly name: string;
  readonly files: ProjectFiles;
  readonly image?: string;
}

/** Plans, boots and waits for cloud-init; the guest keeps running for the test's probes. */
export async function bootProject(options: BootOptions): Promise<BootRecord> {
  const { rootfs, relayDir } = await bootEnvironment();
  const planDir = await planProject(options.name, options.files, options.image);
  const workDir = path.join(CACHE_DIR, 'guests', `${options.name}-${process.pid}`);
  mkdirSync(path.dirname(workDir), { recursive: true });
  const guest = await GuestClass.create({
    baseRootfs: rootfs,
    workDir,
    name: options.name,
    userData: userDataBytes(planDir),
    relayDir,
  });
  live.add(guest);
  writeBusyboxRegistry(guest.root);
  installFakeMetadata(guest.root);
  try {
    await guest.start();
    await guest.waitCloudInit(CLOUD_INIT_TIMEOUT_MS);
  } catch (error) {
    const record = await collect(guest, planDir).catch(() => undefined);
    await destroyGuest(guest);
    throw new Error(`${(error as Error).message}\n\n${record ? explain(record) : ''}`);
  }
  const record = await collect(guest, planDir);
  const healthy =
    record.bootToHealthy === undefined
      ? 'never healthy'
      : `boot-to-healthy ${record.bootToHealthy.toFixed(0)}s`;
  console.log(
    `[boot] ${options.name}: ${healthy}, cloud-init finished ${record.bootToFinished.toFixed(1)}s after start`,
  );
  return record;
}

/** Runs argv inside the guest and returns stdout; throws with the output when it fails. */
export async function guestOk(guest: Guest, argv: readonly string[], timeoutMs = 30_000): Promise<string> {
  const result = await guest.exec(argv, timeoutMs);
  if (result.code !== 0) {
    throw new Error(
      `${argv.join(' ')} failed in the guest (exit ${result.code}):\n${result.stdout}${result.stderr}`,
    );
  }
  return result.stdout;
}
