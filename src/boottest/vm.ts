/**
 * A full virtual machine boot (QEMU, software emulation): the cached Debian rootfs plus
 * Debian's own kernel, udev, AppArmor and an sshd, written into an ext4 disk image with
 * `mkfs.ext4 -d` (no loop mount), booted with `-kernel`/`-initrd`, the serial console to a log
 * file and user-mode networking. It catches what a container boot cannot see: a real kernel
 * with its LSM (Docker on AppArmor), real udev and a real network link.
 *
 * Why these choices, each found on this kind of machine:
 * - `-accel tcg`: /dev/kvm may exist but be unusable inside a VM (QEMU aborts with
 *   `-cpu host`, a stock kernel hangs otherwise); TCG is slow (minutes) but always works.
 * - The seed (NoCloud, the exact user-data bytes) is written into the image: NoCloud reads a
 *   second drive only from vfat/iso9660, which would need more tools.
 * - The guest reaches the host's apt relay as 10.0.2.2 (QEMU user networking maps it to the
 *   host's loopback); the harness reaches the guest through `hostfwd` ports on 127.0.0.1,
 *   commands go over ssh with a key made for this boot.
 * Everything is started and stopped by PID, every wait is bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { shellJoin } from '../quote/index.js';
import { sshArgv } from '../ssh/command.js';
import type { ExecResult } from './guest.js';
import { lastLines, run, sleep, withTimeout } from './process.js';
import { buildOnce } from './rootfs.js';

/** What a minbase rootfs lacks to boot as a machine: a kernel (+ initramfs, udev), AppArmor, sshd. */
export const VM_PACKAGES = ['linux-image-amd64', 'apparmor', 'udev', 'openssh-server'] as const;
/** Bump when the preparation below changes, so old VM caches are rebuilt. */
const VM_PREPARATION_VERSION = 1;
const BUILD_TIMEOUT_MS = 15 * 60_000;
/** The host's loopback as QEMU user networking shows it to the guest. */
export const VM_HOST_ADDRESS = '10.0.2.2';
const DISK_SIZE = '6G';
const DISK_LABEL = 'lb-vm-root';

export interface VmImage {
  /** The prepared root tree a boot copies. */
  readonly root: string;
  readonly kernel: string;
  readonly initrd: string;
}

export interface VmImageOptions {
  readonly cacheDir: string;
  /** The cached, prepared base rootfs (ensureRootfs). */
  readonly baseRootfs: string;
  /** The apt relay's TCP port on 127.0.0.1 (used while installing the kernel). */
  readonly relayPort: number;
  readonly onProgress?: (line: string) => void;
}

/** The VM's root tree: the base rootfs with VM_PACKAGES, cached beside it. */
export function vmImagePath(options: Pick<VmImageOptions, 'cacheDir' | 'baseRootfs'>): string {
  return path.join(options.cacheDir, 'vm', `${path.basename(options.baseRootfs)}-v${VM_PREPARATION_VERSION}`);
}

function write(root: string, file: string, content: string, mode = 0o644): void {
  const target = path.join(root, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, content, { mode });
}

/** The newest file in /boot named `<prefix>-<version>` (the kernel package's). */
function bootFile(root: string, prefix: string): string {
  const found = readdirSync(path.join(root, 'boot'))
    .filter((name) => name.startsWith(`${prefix}-`))
    .sort();
  const newest = found.at(-1);
  if (!newest) throw new Error(`no /boot/${prefix}-* in the VM image (did the kernel install?)`);
  return path.join(root, 'boot', newest);
}

/**
 * Installs the kernel and the rest in a copy of the base (a systemd-nspawn container sharing
 * the host's network, apt through the relay), and turns the container-only pieces off.
 */
async function buildVmImage(options: VmImageOptions, building: string): Promise<void> {
  const root = path.join(building, 'root');
  mkdirSync(building, { recursive: true });
  const copy = await run(['cp', '-a', '--reflink=auto', options.baseRootfs, root], { timeoutMs: 5 * 60_000 });
  if (copy.code !== 0) throw new Error(`copying the rootfs failed: ${copy.stderr.trim()}`);
  rmSync(path.join(root, '.linode-build-rootfs-complete'), { force: true });
  options.onProgress?.(`installing ${VM_PACKAGES.join(', ')} into the VM image`);
  const proxy = `Acquire::http::Proxy=http://127.0.0.1:${options.relayPort}/`;
  const apt = ['apt-get', '-o', proxy, '-o', 'Acquire::Retries=3', '-q'];
  const script = [
    'set -e',
    `${shellJoin(apt)} update`,
    `${shellJoin(apt)} install -y --no-install-recommends ${VM_PACKAGES.join(' ')}`,
    'apt-get clean',
    // networkd brings the NIC up by DHCP (it is part of systemd; cloud-init's network config is
    // off in the base); the container-only units (veth address, relay socket) are not needed.
    'systemctl enable systemd-networkd.service systemd-networkd-wait-online.service',
    'systemctl disable linode-build-boottest-net.service linode-build-boottest-relay.socket',
  ].join('\n');
  const install = await run(
    [
      'systemd-nspawn',
      '--quiet',
      '--register=no',
      '--keep-unit',
      '--resolv-conf=off',
      '--setenv=DEBIAN_FRONTEND=noninteractive',
      `--directory=${root}`,
      '--',
      '/bin/sh',
      '-c',
      script,
    ],
    { timeoutMs: BUILD_TIMEOUT_MS },
  );
  if (install.code !== 0) {
    throw new Error(
      `installing the VM packages failed (exit ${install.code}${install.timedOut ? ', timed out' : ''}):\n${lastLines(install.stdout + install.stderr, 25)}`,
    );
  }
  write(
    root,
    'etc/systemd/network/20-linode-build-vm.network',
    '[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\n',
  );
  // QEMU's user-network DNS; apt and the tests use addresses, but the instance expects one.
  rmSync(path.join(root, 'etc/resolv.conf'), { force: true });
  write(root, 'etc/resolv.conf', 'nameserver 10.0.2.3\n');
  write(root, 'etc/fstab', `LABEL=${DISK_LABEL} / ext4 defaults 0 1\n`);
  copyFileSync(bootFile(root, 'vmlinuz'), path.join(building, 'vmlinuz'));
  copyFileSync(bootFile(root, 'initrd.img'), path.join(building, 'initrd.img'));
}

/** The cached VM root tree with its kernel and initramfs, built on first use. */
export async function ensureVmImage(options: VmImageOptions): Promise<VmImage> {
  const target = await buildOnce(vmImagePath(options), (building) => buildVmImage(options, building));
  return {
    root: path.join(target, 'root'),
    kernel: path.join(target, 'vmlinuz'),
    initrd: path.join(target, 'initrd.img'),
  };
}

/** A free TCP port on 127.0.0.1 (closed again at once; QEMU binds it a moment later). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface VmOptions {
  readonly image: VmImage;
  /** A fresh directory for this VM's disk, key and console log. */
  readonly workDir: string;
  /** Machine name (hostname, instance id); letters, digits and dashes. */
  readonly name: string;
  /** The exact user-data bytes (plain or gzipped). */
  readonly userData: Buffer;
  /** The apt relay's TCP port on the host's 127.0.0.1. */
  readonly relayPort: number;
  /** Guest TCP ports to reach from the host (ssh's 22 is always forwarded). */
  readonly forwardPorts?: readonly number[];
  /** Changes to the root tree before the disk is made (test fixtures). */
  readonly customize?: (root: string) => void;
  readonly memoryMb?: number;
  readonly cpus?: number;
}

export class Vm {
  readonly consoleLog: string;
  readonly instanceId: string;
  private readonly disk: string;
  private readonly key: string;
  private readonly knownHosts: string;
  private readonly ports = new Map<number, number>();
  private child: ChildProcess | undefined;
  private exited: Promise<number> | undefined;
  /** When QEMU was started (ms since epoch). */
  startedAt = 0;

  private constructor(private readonly options: VmOptions) {
    this.consoleLog = path.join(options.workDir, 'console.log');
    this.disk = path.join(options.workDir, 'disk.img');
    this.key = path.join(options.workDir, 'id_ed25519');
    this.knownHosts = path.join(options.workDir, 'known_hosts');
    this.instanceId = `i-${options.name}`;
  }

  /** Copies the VM tree, seeds it (NoCloud, apt proxy, ssh key) and writes the ext4 disk. */
  static async create(options: VmOptions): Promise<Vm> {
    const vm = new Vm(options);
    rmSync(options.workDir, { recursive: true, force: true });
    mkdirSync(options.workDir, { recursive: true });
    const root = path.join(options.workDir, 'root');
    try {
      const copy = await run(['cp', '-a', '--reflink=auto', options.image.root, root], {
        timeoutMs: 120_000,
      });
      if (copy.code !== 0) throw new Error(`copying the VM tree failed: ${copy.stderr.trim()}`);
      write(root, 'var/lib/cloud/seed/nocloud/user-data', '', 0o600);
      writeFileSync(path.join(root, 'var/lib/cloud/seed/nocloud/user-data'), options.userData, {
        mode: 0o600,
      });
      write(
        root,
        'var/lib/cloud/seed/nocloud/meta-data',
        `instance-id: ${vm.instanceId}\nlocal-hostname: ${options.name}\n`,
        0o600,
      );
      const proxy = `http://${VM_HOST_ADDRESS}:${options.relayPort}/`;
      write(
        root,
        'etc/apt/apt.conf.d/01linode-build-boottest-proxy',
        `Acquire::http::Proxy "${proxy}";\nAcquire::https::Proxy "${proxy}";\n`,
      );
      const keygen = await run(
        ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', options.name, '-f', vm.key],
        {
          timeoutMs: 30_000,
        },
      );
      if (keygen.code !== 0) throw new Error(`ssh-keygen failed: ${keygen.stderr.trim()}`);
      write(root, 'root/.ssh/authorized_keys', readFileSync(`${vm.key}.pub`, 'utf8'), 0o600);
      options.customize?.(root);
      const mkfs = await run(['mkfs.ext4', '-q', '-F', '-L', DISK_LABEL, '-d', root, vm.disk, DISK_SIZE], {
        timeoutMs: 5 * 60_000,
      });
      if (mkfs.code !== 0) throw new Error(`mkfs.ext4 -d failed: ${mkfs.stderr.trim()}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    return vm;
  }

  /** Starts QEMU (by PID, its own process group); returns once it is running. */
  async start(): Promise<void> {
    const forwards = [22, ...(this.options.forwardPorts ?? [])];
    const hostfwd: string[] = [];
    for (const guestPort of forwards) {
      const hostPort = await freePort();
      this.ports.set(guestPort, hostPort);
      hostfwd.push(`hostfwd=tcp:127.0.0.1:${hostPort}-:${guestPort}`);
    }
    const argv = [
      '-accel',
      'tcg',
      '-m',
      String(this.options.memoryMb ?? 2048),
      '-smp',
      String(this.options.cpus ?? 2),
      '-kernel',
      this.options.image.kernel,
      '-initrd',
      this.options.image.initrd,
      // AppArmor on, as on Linode's Debian kernel (Debian enables it by default; said explicitly).
      '-append',
      `root=LABEL=${DISK_LABEL} rw console=ttyS0 apparmor=1 security=apparmor net.ifnames=0`,
      // cache=unsafe: the disk is thrown away after the boot, so the guest's flushes (dpkg
      // fsyncs every file it unpacks) need not reach the host's disk; on a busy host they
      // doubled the boot.
      '-drive',
      `file=${this.disk},format=raw,if=virtio,cache=unsafe`,
      '-netdev',
      `user,id=net0,${hostfwd.join(',')}`,
      '-device',
      'virtio-net-pci,netdev=net0',
      '-serial',
      `file:${this.consoleLog}`,
      '-display',
      'none',
      '-monitor',
      'none',
      '-no-reboot',
    ];
    const child = spawn('qemu-system-x86_64', argv, {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    this.child = child;
    this.startedAt = Date.now();
    this.exited = new Promise((resolve) =>
      child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
    );
    const early = await withTimeout(this.exited, 2000, undefined);
    if (early !== undefined)
      throw new Error(`qemu-system-x86_64 exited at once (${early}): ${stderr.trim()}`);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The private key of this boot's ssh access (root). */
  get keyFile(): string {
    return this.key;
  }

  /** The host port that reaches `guestPort` (one of forwardPorts). */
  hostPort(guestPort: number): number {
    const port = this.ports.get(guestPort);
    if (port === undefined) throw new Error(`guest port ${guestPort} is not forwarded`);
    return port;
  }

  /** The serial console so far (the last `lines`). */
  console(lines = 40): string {
    try {
      return lastLines(readFileSync(this.consoleLog, 'utf8').replace(/\r/g, ''), lines);
    } catch {
      return '';
    }
  }

  /**
   * Waits (bounded) until the serial console shows `pattern`; throws with the console's last
   * lines when it does not, or when QEMU stops first.
   */
  async waitForConsole(pattern: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let text = '';
      try {
        text = readFileSync(this.consoleLog, 'utf8');
      } catch {
        // Not written yet.
      }
      if (pattern.test(text)) return;
      if (this.child && (this.child.exitCode !== null || this.child.signalCode !== null)) {
        throw new Error(`the VM stopped before its console showed ${pattern}; console:\n${this.console()}`);
      }
      if (Date.now() >= deadline) break;
      await sleep(1000);
    }
    throw new Error(
      `the VM's console did not show ${pattern} within ${Math.round(timeoutMs / 1000)}s; console:\n${this.console()}`,
    );
  }

  /** Runs argv in the VM as root over ssh (a key made for this boot), bounded by timeoutMs. */
  exec(argv: readonly string[], timeoutMs = 30_000, input?: string): Promise<ExecResult> {
    const ssh = sshArgv({
      deploymentId: this.options.name,
      host: '127.0.0.1',
      knownHostsFile: this.knownHosts,
      identityFile: this.key,
      options: [
        '-p',
        String(this.hostPort(22)),
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=15',
        '-o',
        'LogLevel=ERROR',
      ],
      extra: ['--', shellJoin(argv)],
    });
    return run(ssh, { timeoutMs, ...(input === undefined ? {} : { input }) });
  }

  /** Waits (bounded) until ssh answers. */
  async waitForSsh(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: ExecResult | undefined;
    while (Date.now() < deadline) {
      last = await this.exec(['true'], 30_000);
      if (last.code === 0) return;
      await sleep(2000);
    }
    throw new Error(
      `ssh to the VM did not answer within ${Math.round(timeoutMs / 1000)}s (${last?.stderr.trim()}); console:\n${this.console()}`,
    );
  }

  /** A file inside the VM (undefined when absent or unreadable). */
  async readFile(file: string): Promise<string | undefined> {
    const result = await this.exec(['cat', '--', file]);
    return result.code === 0 ? result.stdout : undefined;
  }

  /** Stops QEMU: SIGTERM to its PID, then SIGKILL if it is still there. Safe to call twice. */
  async stop(timeoutMs = 20_000): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    process.kill(child.pid, 'SIGTERM');
    if ((await withTimeout(this.exited!, timeoutMs, 'timeout')) === 'timeout') {
      process.kill(child.pid, 'SIGKILL');
      await withTimeout(this.exited!, 5000, undefined);
    }
  }

  /** Stops the VM and deletes its disk. */
  async destroy(): Promise<void> {
    await this.stop();
    if (existsSync(this.options.workDir)) rmSync(this.options.workDir, { recursive: true, force: true });
  }
}
