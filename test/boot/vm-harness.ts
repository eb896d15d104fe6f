/**
 * Full-VM boots (issue 13, case 6): the same plan bytes as the nspawn cases, booted by QEMU
 * (software emulation) with Debian's own kernel and AppArmor on (src/boottest/vm.ts). apt goes
 * through the same caching relay, here on a TCP port of the host's loopback (10.0.2.2 to the
 * guest). The VM tree is cached beside the rootfs in .cache/boot/vm/.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { bootImage } from '../../src/boottest/images.js';
import type { Relay } from '../../src/boottest/relay.js';
import { startRelay } from '../../src/boottest/relay.js';
import { ensureRootfs } from '../../src/boottest/rootfs.js';
import { ensureVmImage, VM_HOST_ADDRESS, Vm, type VmImage } from '../../src/boottest/vm.js';
import { shellQuote } from '../../src/quote/index.js';
import { openSshTunnel, type Tunnel } from '../../src/watcher-client/tunnel.js';
import { hasTool, inCI } from '../support/tools.js';
import { watcherNodeArchive } from '../support/watcher-node.js';
import { installFakeMetadata } from './fake-metadata.js';
import {
  BOOT_IMAGE,
  type BootDiagnostics,
  bootAvailable,
  CACHE_DIR,
  explain,
  gatherDiagnostics,
  type ProjectFiles,
  planProject,
  secondsToHealthy,
  userDataBytes,
} from './harness.js';
import { writeBusyboxRegistry } from './registry-image.js';
import type { WatcherNodeSource } from './templates.js';

/**
 * cloud-init's finish under TCG: ~5 min on 2 quiet CPUs (docker.io's install alone takes 2+),
 * over 16 min on a machine shared with other heavy work (load 10-40: the docker.io install
 * took 7.5 min): bounded, with room.
 */
export const VM_CLOUD_INIT_TIMEOUT_MS = 25 * 60_000;
const VM_TOOLS = ['qemu-system-x86_64', 'mkfs.ext4', 'ssh', 'ssh-keygen'];

/** Whether full-VM boots can run here: the boot tests' needs plus QEMU (skips locally, fails in CI). */
export function vmAvailable(): boolean {
  if (!bootAvailable()) return false;
  const missing = VM_TOOLS.filter((tool) => !hasTool(tool));
  if (missing.length === 0) return true;
  const reason = `the full-VM boot test needs ${missing.join(', ')} (apt-get install qemu-system-x86 e2fsprogs openssh-client; .ci/run does)`;
  if (inCI) throw new Error(`CI must run the VM boot test, but: ${reason}`);
  console.warn(`[skipped] ${reason}`);
  return false;
}

interface VmEnvironment {
  readonly image: VmImage;
  readonly relay: Relay;
}

let environment: Promise<VmEnvironment> | undefined;

/** The cached rootfs and VM tree (built on first use) and a TCP apt relay, once per process. */
export function vmEnvironment(): Promise<VmEnvironment> {
  environment ??= (async () => {
    const bootImageSpec = bootImage(BOOT_IMAGE);
    if (!bootImageSpec) throw new Error(`no boot image for ${BOOT_IMAGE}`);
    const relay = await startRelay(0, path.join(CACHE_DIR, 'apt'));
    const started = Date.now();
    const onProgress = (line: string) => console.log(`[vm] ${line}`);
    const rootfs = await ensureRootfs({ cacheDir: CACHE_DIR, image: bootImageSpec, onProgress });
    const image = await ensureVmImage({
      cacheDir: CACHE_DIR,
      baseRootfs: rootfs,
      relayPort: relay.port!,
      onProgress,
    });
    console.log(`[vm] rootfs and VM tree ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return { image, relay };
  })();
  return environment;
}

/**
 * The buildwatch `node` override for the VM: the pinned build, published by the relay, which
 * the guest reaches as 10.0.2.2 (as harness.ts's watcherNodeOverride does for nspawn guests).
 */
export async function vmWatcherNode(): Promise<WatcherNodeSource> {
  const { relay } = await vmEnvironment();
  const archive = watcherNodeArchive();
  const pathname = relay.serveFile(path.basename(archive.file), archive.file);
  return { url: `http://${VM_HOST_ADDRESS}:${relay.port}${pathname}`, sha256: archive.sha256 };
}

export async function closeVmEnvironment(): Promise<void> {
  if (!environment) return;
  const { relay } = await environment.catch(() => ({ relay: undefined }));
  await relay?.close();
  environment = undefined;
}

export interface VmRecord extends BootDiagnostics {
  readonly vm: Vm;
  readonly planDir: string;
  /** Seconds from QEMU's start to the app's health check passing (undefined: it never did). */
  readonly bootToHealthy: number | undefined;
  /** Seconds from QEMU's start until the console showed cloud-init's final message. */
  readonly bootToFinished: number;
}

/** cloud-init's final message on the console (also after a failed runcmd). */
const CLOUD_INIT_FINISHED = /Cloud-init v\. \S+ finished at/;

/** Diagnostics over ssh, and the console's last lines (the only view when ssh is down). */
async function vmDiagnostics(vm: Vm): Promise<BootDiagnostics> {
  return gatherDiagnostics(
    { exec: (argv, timeoutMs) => vm.exec(argv, timeoutMs), readFile: (file) => vm.readFile(file) },
    `serial console (last 30 lines of ${vm.consoleLog}):\n${vm.console(30)}`,
  );
}

/** Plans, builds the disk, boots QEMU and waits (bounded) for cloud-init to finish. */
export async function bootProjectInVm(options: {
  readonly name: string;
  readonly files: ProjectFiles;
  readonly forwardPorts?: readonly number[];
}): Promise<VmRecord> {
  const { image, relay } = await vmEnvironment();
  const planDir = await planProject(options.name, options.files);
  const diskStarted = Date.now();
  const vm = await Vm.create({
    image,
    workDir: path.join(CACHE_DIR, 'guests', `${options.name}-${process.pid}`),
    name: options.name,
    userData: userDataBytes(planDir),
    relayPort: relay.port!,
    forwardPorts: options.forwardPorts ?? [],
    customize: (root) => {
      writeBusyboxRegistry(root);
      installFakeMetadata(root);
    },
  });
  console.log(
    `[vm] ${options.name}: disk image written in ${((Date.now() - diskStarted) / 1000).toFixed(1)}s`,
  );
  let finishedAt: number;
  try {
    await vm.start();
    await vm.waitForConsole(CLOUD_INIT_FINISHED, VM_CLOUD_INIT_TIMEOUT_MS);
    finishedAt = Date.now();
    await vm.waitForSsh(120_000);
  } catch (error) {
    const diagnostics = await vmDiagnostics(vm).catch(() => undefined);
    await vm.destroy();
    throw new Error(`${(error as Error).message}\n\n${diagnostics ? explain(diagnostics) : ''}`);
  }
  const diagnostics = await vmDiagnostics(vm);
  const record: VmRecord = {
    ...diagnostics,
    vm,
    planDir,
    bootToHealthy: secondsToHealthy(diagnostics.bootStatus, vm.startedAt),
    bootToFinished: (finishedAt - vm.startedAt) / 1000,
  };
  console.log(
    `[vm] ${options.name}: ${record.bootToHealthy === undefined ? 'never healthy' : `boot-to-healthy ${record.bootToHealthy.toFixed(0)}s`}, cloud-init finished ${record.bootToFinished.toFixed(0)}s after QEMU started (apt relay: ${relay.stats.fetchedPackages} packages fetched, ${relay.stats.cachedPackages} from its cache)`,
  );
  return record;
}

/**
 * deploy's own tunnel to a watcher on the VM's loopback (openSshTunnel, the code `deploy
 * --wait` uses), through a one-line ssh wrapper that adds the forwarded ssh port, as
 * LINODE_BUILD_SSH allows for a jump host.
 */
export async function watcherTunnel(vm: Vm, remotePort: number, workDir: string): Promise<Tunnel> {
  mkdirSync(workDir, { recursive: true });
  const wrapper = path.join(workDir, 'ssh-vm');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec ssh -p ${vm.hostPort(22)} -i ${shellQuote(vm.keyFile)} -o IdentitiesOnly=yes "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return openSshTunnel({
    host: '127.0.0.1',
    remotePort,
    deploymentId: vm.instanceId,
    knownHostsFile: path.join(workDir, 'known_hosts'),
    ssh: wrapper,
    timeoutMs: 30_000,
  });
}

/** One GET over a Unix socket: status and body. */
export function getOverSocket(
  socketPath: string,
  requestPath: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ socketPath, path: requestPath, headers, timeout: 10_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${requestPath} timed out`)));
    request.on('error', reject);
  });
}
