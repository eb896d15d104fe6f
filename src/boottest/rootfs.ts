/**
 * The cached base root filesystem a boot copies: debootstrap (minbase) of the image's release
 * with cloud-init, prepared so that cloud-init finds the NoCloud seed and apt reaches the
 * archive through the host's relay. Built once into a temporary directory and renamed into
 * place when complete, so an interrupted build is never reused. `.deb`s are cached too.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  type Dirent,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { BootImage } from './images.js';
import { lastLines, run } from './process.js';

/** Where the guest reaches the relay: a bind-mounted directory holding its Unix socket. */
export const GUEST_RELAY_DIR = '/run/linode-build-boottest';
export const RELAY_SOCKET_NAME = 'relay.sock';
/** The proxy address apt (and anything else told to) uses inside the guest. */
export const GUEST_PROXY = 'http://127.0.0.1:3142/';

/** Bump when the preparation below changes, so old caches are rebuilt. */
const PREPARATION_VERSION = 5;
const BUILD_TIMEOUT_MS = 15 * 60_000;

export interface RootfsOptions {
  readonly cacheDir: string;
  readonly image: BootImage;
  readonly onProgress?: (line: string) => void;
}

function packagesOf(options: RootfsOptions): string[] {
  return [...options.image.packages];
}

function packageKey(options: RootfsOptions): string {
  return createHash('sha256')
    .update(JSON.stringify([options.image.suite, options.image.mirror, packagesOf(options)]))
    .digest('hex')
    .slice(0, 12);
}

/** debootstrap's output for this image and package set (the slow part, rarely rebuilt). */
function debootstrapPath(options: RootfsOptions): string {
  return path.join(options.cacheDir, 'debootstrap', `${options.image.suite}-${packageKey(options)}`);
}

/** The prepared base a boot copies (rebuilt from the debootstrap cache in seconds). */
export function rootfsPath(options: RootfsOptions): string {
  return path.join(
    options.cacheDir,
    'rootfs',
    `${options.image.suite}-${packageKey(options)}-p${PREPARATION_VERSION}`,
  );
}

const COMPLETE = '.linode-build-rootfs-complete';

function write(root: string, file: string, content: string, mode = 0o644): void {
  const target = path.join(root, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, content, { mode });
}

function link(root: string, file: string, target: string): void {
  const at = path.join(root, file);
  mkdirSync(path.dirname(at), { recursive: true });
  rmSync(at, { force: true });
  symlinkSync(target, at);
}

/** What the base gets beyond debootstrap: datasource, relay, apt proxy, quiet services. */
function prepare(root: string, image: BootImage): void {
  // NoCloud stands in for Linode's Metadata service (Debian 12's cloud-init has no Akamai one).
  // The guest's network is private (lo only); cloud-init has nothing to configure in it.
  write(
    root,
    'etc/cloud/cloud.cfg.d/90-linode-build-boottest.cfg',
    'datasource_list: [ NoCloud, None ]\nnetwork: {config: disabled}\n',
  );
  // With only loopback addresses, getaddrinfo (AI_ADDRCONFIG) refuses IPv4 literals such as
  // apt's proxy address: an address on a veth pair (the guest cannot load the dummy module)
  // stands in for the instance's NIC.
  write(
    root,
    'etc/systemd/system/linode-build-boottest-net.service',
    [
      '[Unit]',
      'Description=linode-build boot test: a non-loopback address (stands in for the NIC)',
      'DefaultDependencies=no',
      'Before=network-pre.target sysinit.target',
      'Wants=network-pre.target',
      '',
      '[Service]',
      'Type=oneshot',
      'RemainAfterExit=yes',
      'ExecStart=/sbin/ip link add boottest0 type veth peer name boottest1',
      'ExecStart=/sbin/ip addr add 10.254.254.1/24 dev boottest0',
      'ExecStart=/sbin/ip link set boottest1 up',
      'ExecStart=/sbin/ip link set boottest0 up',
      '',
      '[Install]',
      'WantedBy=sysinit.target',
      '',
    ].join('\n'),
  );
  link(
    root,
    'etc/systemd/system/sysinit.target.wants/linode-build-boottest-net.service',
    '/etc/systemd/system/linode-build-boottest-net.service',
  );
  // Linode's images have an en_US.UTF-8 locale; cloud-init's locale module sets it.
  write(root, 'etc/locale.gen', 'en_US.UTF-8 UTF-8\n');
  const locales = spawnSync('chroot', [root, 'locale-gen'], { encoding: 'utf8' });
  if (locales.status !== 0) throw new Error(`locale-gen in the rootfs failed: ${locales.stderr}`);
  // The archive's other suites, as the distribution's cloud images list them.
  if (image.suite === 'bookworm') {
    write(
      root,
      'etc/apt/sources.list',
      [
        `deb ${image.mirror} bookworm main`,
        `deb ${image.mirror} bookworm-updates main`,
        `deb ${image.mirror}-security bookworm-security main`,
        '',
      ].join('\n'),
    );
  }
  write(
    root,
    'etc/apt/apt.conf.d/01linode-build-boottest-proxy',
    `Acquire::http::Proxy "${GUEST_PROXY}";\nAcquire::https::Proxy "${GUEST_PROXY}";\n`,
  );
  write(
    root,
    'etc/systemd/system/linode-build-boottest-relay.socket',
    [
      '[Unit]',
      "Description=linode-build boot test: the host's HTTP relay for apt",
      '',
      '[Socket]',
      'ListenStream=127.0.0.1:3142',
      'FreeBind=yes',
      '',
      '[Install]',
      'WantedBy=sockets.target',
      '',
    ].join('\n'),
  );
  write(
    root,
    'etc/systemd/system/linode-build-boottest-relay.service',
    [
      '[Unit]',
      "Description=linode-build boot test: forwards to the host's relay socket",
      'Requires=linode-build-boottest-relay.socket',
      'After=linode-build-boottest-relay.socket',
      '',
      '[Service]',
      `ExecStart=/lib/systemd/systemd-socket-proxyd ${GUEST_RELAY_DIR}/${RELAY_SOCKET_NAME}`,
      '',
    ].join('\n'),
  );
  link(
    root,
    'etc/systemd/system/sockets.target.wants/linode-build-boottest-relay.socket',
    '/etc/systemd/system/linode-build-boottest-relay.socket',
  );
  // A boot of the copy generates its own machine id.
  write(root, 'etc/machine-id', '');
  // Services a test may start itself are off by default.
  rmSync(path.join(root, 'etc/systemd/system/multi-user.target.wants/docker-registry.service'), {
    force: true,
  });
}

/** Builds `target` with `build(building)` in a temporary directory, renamed into place when done. */
export async function buildOnce(target: string, build: (building: string) => Promise<void>): Promise<string> {
  if (existsSync(path.join(target, COMPLETE))) return target;
  const building = `${target}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(path.dirname(target), { recursive: true });
  try {
    await build(building);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
  writeFileSync(path.join(building, COMPLETE), `${new Date().toISOString()}\n`);
  try {
    renameSync(building, target);
  } catch {
    // Another build finished first: use it.
    rmSync(building, { recursive: true, force: true });
  }
  return target;
}

async function debootstrap(options: RootfsOptions, building: string): Promise<void> {
  const debs = path.join(options.cacheDir, 'debs', options.image.suite);
  mkdirSync(debs, { recursive: true });
  options.onProgress?.(
    `building the ${options.image.image} root filesystem (debootstrap ${options.image.suite})`,
  );
  const result = await run(
    [
      'debootstrap',
      '--variant=minbase',
      `--cache-dir=${debs}`,
      `--keyring=${options.image.keyring}`,
      `--include=${packagesOf(options).join(',')}`,
      options.image.suite,
      building,
      options.image.mirror,
    ],
    { timeoutMs: BUILD_TIMEOUT_MS },
  );
  if (result.code !== 0) {
    throw new Error(
      `debootstrap ${options.image.suite} failed (exit ${result.code}${result.timedOut ? ', timed out' : ''}):\n${lastLines(result.stdout + result.stderr)}`,
    );
  }
  rmSync(path.join(building, 'var/cache/apt/archives'), { recursive: true, force: true });
  mkdirSync(path.join(building, 'var/cache/apt/archives/partial'), { recursive: true });
}

/** Returns the cached, prepared base rootfs, building what is missing first. */
export async function ensureRootfs(options: RootfsOptions): Promise<string> {
  const base = await buildOnce(debootstrapPath(options), (building) => debootstrap(options, building));
  return buildOnce(rootfsPath(options), async (building) => {
    const copy = await run(['cp', '-a', '--reflink=auto', base, building], { timeoutMs: 5 * 60_000 });
    if (copy.code !== 0) throw new Error(`copying the debootstrap cache failed: ${copy.stderr.trim()}`);
    rmSync(path.join(building, COMPLETE), { force: true });
    prepare(building, options.image);
  });
}

/** Total bytes under a directory (the cache size shown to users). */
export function directorySize(directory: string): number {
  let total = 0;
  const walk = (dir: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) total += statSync(full).size;
    }
  };
  walk(directory);
  return total;
}
