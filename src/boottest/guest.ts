/**
 * One booted guest: a copy of the cached rootfs, seeded for cloud-init's NoCloud datasource
 * with the exact user-data bytes, booted by `systemd-nspawn --boot` in a cgroup (v2) of its own
 * with a private network. Everything is started and stopped by PID, every wait is bounded.
 *
 * What nspawn needs here, each found by a boot that failed without it:
 * - `--register=no --keep-unit`: no machined/host systemd to register with;
 * - a cgroup v2 subtree of our own (SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 on hybrid hosts), else
 *   Docker in the guest fails on a read-only cpuset;
 * - `--system-call-filter=add_key keyctl request_key bpf`, else runc cannot join a keyring;
 * - `--private-network`, so the guest's Docker bridge and iptables rules stay inside it.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { run, sleep, withTimeout } from './process.js';
import { GUEST_RELAY_DIR } from './rootfs.js';

const GUEST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const STOP_TIMEOUT_MS = 30_000;
/** A shutdown stops Docker, its containers and the units around them: up to a few minutes. */
const REBOOT_TIMEOUT_MS = 180_000;

export interface GuestOptions {
  /** The cached base rootfs to copy. */
  readonly baseRootfs: string;
  /** A fresh directory for this guest's copy, seed and logs. */
  readonly workDir: string;
  /** Machine name (also the hostname); letters, digits and dashes. */
  readonly name: string;
  /** The exact user-data bytes (plain or gzipped). */
  readonly userData: Buffer;
  /** Host directory holding the relay's socket (bind-mounted into the guest). */
  readonly relayDir: string;
}

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** The cgroup v2 hierarchy to put guests under, and whether nspawn must be told (hybrid host). */
function unifiedHierarchy(): { root: string; hybrid: boolean } {
  if (existsSync('/sys/fs/cgroup/cgroup.controllers')) return { root: '/sys/fs/cgroup', hybrid: false };
  if (existsSync('/sys/fs/cgroup/unified/cgroup.controllers'))
    return { root: '/sys/fs/cgroup/unified', hybrid: true };
  throw new Error('no cgroup v2 hierarchy (/sys/fs/cgroup or /sys/fs/cgroup/unified) on this host');
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class Guest {
  readonly root: string;
  readonly consoleLog: string;
  readonly instanceId: string;
  private readonly cgroup: string;
  private nspawnPid: number | undefined;
  private leader: number | undefined;
  private child: ReturnType<typeof spawn> | undefined;
  private exited: Promise<number> | undefined;
  private readonly forwards = new Set<{ close(): void }>();
  /** When the current boot's nspawn was started (ms since epoch). */
  bootStartedAt = 0;

  private constructor(private readonly options: GuestOptions) {
    this.root = path.join(options.workDir, 'root');
    this.consoleLog = path.join(options.workDir, 'console.log');
    this.instanceId = `i-${options.name}`;
    this.cgroup = path.join(unifiedHierarchy().root, 'linode-build-boottest', path.basename(options.workDir));
  }

  /** Copies the base rootfs (cp -a keeps owners, device nodes and links) and writes the NoCloud seed. */
  static async create(options: GuestOptions): Promise<Guest> {
    const guest = new Guest(options);
    mkdirSync(options.workDir, { recursive: true });
    rmSync(guest.root, { recursive: true, force: true });
    const copy = await run(['cp', '-a', '--reflink=auto', options.baseRootfs, guest.root], {
      timeoutMs: 120_000,
    });
    if (copy.code !== 0) throw new Error(`copying the rootfs failed: ${copy.stderr.trim()}`);
    const seed = path.join(guest.root, 'var/lib/cloud/seed/nocloud');
    mkdirSync(seed, { recursive: true });
    writeFileSync(path.join(seed, 'user-data'), options.userData, { mode: 0o600 });
    writeFileSync(
      path.join(seed, 'meta-data'),
      `instance-id: ${guest.instanceId}\nlocal-hostname: ${options.name}\n`,
      { mode: 0o600 },
    );
    return guest;
  }

  /** Boots the guest (again, after a stop or a reboot). Resolves once its init is running. */
  async start(): Promise<void> {
    const { hybrid } = unifiedHierarchy();
    mkdirSync(this.cgroup, { recursive: true });
    const output = openSync(this.consoleLog, 'a');
    const nspawn = [
      'systemd-nspawn',
      '--boot',
      '--quiet',
      `--directory=${this.root}`,
      `--machine=${this.options.name}`,
      '--register=no',
      '--keep-unit',
      '--private-network',
      '--system-call-filter=add_key keyctl request_key bpf',
      `--bind=${this.options.relayDir}:${GUEST_RELAY_DIR}`,
      '--link-journal=no',
      '--resolv-conf=off',
      // The guest's console goes to console.log. Not `passive`: nobody reads that pty, and once
      // its buffer is full PID 1 blocks writing to it and the whole guest hangs.
      '--console=pipe',
    ];
    // The shell moves itself into the guest's cgroup, then becomes nspawn (same PID).
    // Its own process group: a Ctrl-C at the terminal reaches our handler, which stops the guest
    // cleanly, instead of killing nspawn under it.
    const child = spawn(
      '/bin/sh',
      ['-c', 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"', 'sh', this.cgroup, ...nspawn],
      {
        stdio: ['ignore', output, output],
        detached: true,
        env: { ...process.env, ...(hybrid ? { SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: '1' } : {}) },
      },
    );
    closeSync(output);
    if (child.pid === undefined) throw new Error('systemd-nspawn did not start');
    this.nspawnPid = child.pid;
    this.child = child;
    this.bootStartedAt = Date.now();
    this.exited = new Promise((resolve) =>
      child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
    );
    for (let i = 0; i < 200; i++) {
      const leader = childrenOf(child.pid).find((pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'systemd';
        } catch {
          return false;
        }
      });
      if (leader !== undefined) {
        this.leader = leader;
        return;
      }
      if (!alive(child.pid)) break;
      await sleep(100);
    }
    throw new Error(`the guest's init did not start; console:\n${this.console(30)}`);
  }

  /** systemd-nspawn's PID (what stops the guest), while it runs. */
  get pid(): number | undefined {
    return this.nspawnPid;
  }

  /** The guest's init (PID 1 inside), for nsenter. */
  get leaderPid(): number | undefined {
    return this.leader;
  }

  /** Leaves the guest running after this process exits (`boot-test --keep`). */
  detach(): void {
    this.child?.unref();
    for (const forward of [...this.forwards]) forward.close();
    this.nspawnPid = undefined;
    this.leader = undefined;
  }

  /** The last lines nspawn printed. */
  console(lines = 40): string {
    try {
      return readFileSync(this.consoleLog, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Runs argv inside the guest (all its namespaces), bounded by timeoutMs. */
  exec(argv: readonly string[], timeoutMs = 30_000, input?: string): Promise<ExecResult> {
    if (this.leader === undefined) throw new Error('the guest is not running');
    return run(
      [
        'nsenter',
        `--target=${this.leader}`,
        '--mount',
        '--uts',
        '--ipc',
        '--net',
        '--pid',
        '--cgroup',
        '--',
        '/usr/bin/env',
        '-i',
        `PATH=${GUEST_PATH}`,
        'LANG=C.UTF-8',
        ...argv,
      ],
      { timeoutMs, ...(input === undefined ? {} : { input }) },
    );
  }

  /**
   * Makes a TCP port of the guest's (private) network reachable from the host as
   * http://127.0.0.1:<port>: socat in the guest's network namespace listens on a Unix socket in
   * the work directory, a host-side server splices each connection to it. Closed by stop().
   */
  async forward(guestPort: number): Promise<{ url: string; close(): void }> {
    if (this.leader === undefined) throw new Error('the guest is not running');
    const socket = path.join(this.options.workDir, `forward-${guestPort}.sock`);
    rmSync(socket, { force: true });
    const socat = spawn(
      'nsenter',
      [
        `--target=${this.leader}`,
        '--net',
        '--',
        'socat',
        `UNIX-LISTEN:${socket},fork,mode=600`,
        `TCP:127.0.0.1:${guestPort}`,
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 50 && !existsSync(socket); i++) await sleep(100);
    const server = net.createServer((client) => {
      const upstream = net.connect(socket);
      client.pipe(upstream).pipe(client);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const handle = {
      url: `http://127.0.0.1:${port}`,
      close: () => {
        server.close();
        if (socat.pid !== undefined && socat.exitCode === null) process.kill(socat.pid, 'SIGTERM');
        this.forwards.delete(handle);
      },
    };
    this.forwards.add(handle);
    return handle;
  }

  /** A file inside the guest, read from the host side of its root (undefined when absent). */
  readFile(file: string): string | undefined {
    try {
      return readFileSync(path.join(this.root, file), 'utf8');
    } catch {
      return undefined;
    }
  }

  /** cloud-init's boot-finished marker for this instance (rewritten on every boot). */
  private bootFinishedTime(): number | undefined {
    try {
      return statSync(path.join(this.root, 'var/lib/cloud/instances', this.instanceId, 'boot-finished'))
        .mtimeMs;
    } catch {
      return undefined;
    }
  }

  /**
   * Waits (bounded) until cloud-init has finished this boot, i.e. boot-finished is newer than
   * the boot's start. Throws with the console and cloud-init's output when it does not.
   */
  async waitCloudInit(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    // Checked at least once: waitCloudInit(0) asks whether it has finished.
    for (;;) {
      const finished = this.bootFinishedTime();
      if (finished !== undefined && finished >= this.bootStartedAt - 1000) return finished;
      if (this.nspawnPid !== undefined && !alive(this.nspawnPid)) {
        throw new Error(`the guest stopped before cloud-init finished; console:\n${this.console()}`);
      }
      if (Date.now() >= deadline) break;
      await sleep(500);
    }
    const output = this.readFile('var/log/cloud-init-output.log') ?? '';
    throw new Error(
      `cloud-init did not finish within ${Math.round(timeoutMs / 1000)}s; last output:\n${output.trimEnd().split('\n').slice(-30).join('\n')}`,
    );
  }

  /** `systemctl reboot` inside; nspawn exits with 133 and the guest is started again. */
  async reboot(timeoutMs = REBOOT_TIMEOUT_MS): Promise<void> {
    const exited = this.exited;
    await this.exec(['systemctl', 'reboot'], 10_000);
    const code = exited ? await withTimeout(exited, timeoutMs, -1) : -1;
    if (code === -1) {
      throw new Error(
        `the guest did not go down for a reboot within ${timeoutMs / 1000}s; console:\n${this.console()}`,
      );
    }
    this.leader = undefined;
    // The cgroups the last boot's systemd made are empty now: start from a clean subtree.
    await this.removeCgroup();
    await this.start();
  }

  /**
   * Stops the guest: a clean poweroff (SIGTERM to nspawn), then, if it is still running after
   * the timeout, every process in its cgroup is killed. Safe to call twice.
   */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<void> {
    for (const forward of [...this.forwards]) forward.close();
    const pid = this.nspawnPid;
    if (pid !== undefined && alive(pid)) {
      process.kill(pid, 'SIGTERM');
      if (this.exited) await withTimeout(this.exited, timeoutMs, undefined);
    }
    this.killCgroup();
    if (pid !== undefined && alive(pid)) {
      process.kill(pid, 'SIGKILL');
      if (this.exited) await withTimeout(this.exited, 5000, undefined);
    }
    this.nspawnPid = undefined;
    this.leader = undefined;
    await this.removeCgroup();
  }

  private killCgroup(): void {
    if (!existsSync(this.cgroup)) return;
    try {
      writeFileSync(path.join(this.cgroup, 'cgroup.kill'), '1');
    } catch {
      // Kernels before 5.14 have no cgroup.kill: kill the PIDs listed in the tree.
      for (const pid of cgroupPids(this.cgroup)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  }

  /** Killed processes leave their cgroups a moment later: retry for a few seconds. */
  private async removeCgroup(): Promise<void> {
    for (let i = 0; i < 50 && existsSync(this.cgroup); i++) {
      removeCgroupTree(this.cgroup);
      if (existsSync(this.cgroup)) await sleep(100);
    }
  }

  /** Stops the guest and deletes its copy. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.options.workDir, { recursive: true, force: true });
  }
}

function cgroupPids(directory: string): number[] {
  const pids: number[] = [];
  try {
    pids.push(
      ...readFileSync(path.join(directory, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number),
    );
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (entry.isDirectory()) pids.push(...cgroupPids(path.join(directory, entry.name)));
    }
  } catch {
    // Gone meanwhile.
  }
  return pids;
}

/** cgroup directories are removed with rmdir, deepest first (they are never "empty" to rm -r). */
function removeCgroupTree(directory: string): void {
  try {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      if (entry.isDirectory()) removeCgroupTree(path.join(directory, entry.name));
    }
    rmdirSync(directory);
  } catch {
    // Still has processes (they are being killed) or already gone.
  }
}
