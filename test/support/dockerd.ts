/**
 * A Docker engine for the watcher tests. CI (.ci/run) starts one and exports
 * LINODE_BUILD_TEST_DOCKER_SOCK; otherwise (or when a test must restart the daemon) the
 * suite starts its own private dockerd — no bridge, no iptables, its own data and exec
 * roots — and stops it by PID. Test images are made with `docker import` from busybox-static.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

export interface TestDocker {
  readonly socket: string;
  /** True when this process started dockerd (so it may stop and restart it). */
  readonly owned: boolean;
  /** Runs the docker CLI against this engine. */
  docker(args: readonly string[], timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
  /**
   * Restarts an owned daemon with the same data (for reconnect tests). `whileStopped` runs
   * after dockerd has exited and before it starts again (a reboot test's early boot).
   */
  restart(whileStopped?: () => Promise<void> | void): Promise<void>;
}

export const TEST_IMAGE = 'lb-busybox:test';

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath: socket, path: '/_ping', timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => {
      request.destroy();
      resolve(false);
    });
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function dockerCli(socket: string) {
  return (args: readonly string[], timeoutMs = 60000) =>
    new Promise<string>((resolve, reject) => {
      execFile(
        'docker',
        [...args],
        { env: { ...process.env, DOCKER_HOST: `unix://${socket}` }, timeout: timeoutMs, maxBuffer: 8 << 20 },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`docker ${args.join(' ')}: ${stderr.trim() || error.message}`));
          else resolve(stdout.trim());
        },
      );
    });
}

/** Can this machine run a private dockerd (root, binaries present)? */
export function canStartDockerd(): boolean {
  return (
    process.getuid?.() === 0 &&
    spawnSync('sh', ['-c', 'command -v dockerd && command -v docker'], { stdio: 'ignore' }).status === 0
  );
}

export interface PrivateDockerdOptions {
  /**
   * Run dockerd inside this network namespace (`ip netns add`), with its default bridge and
   * its own iptables rules there, as on an instance. Entered with `nsenter --net` only:
   * `ip netns exec` also remounts /sys, which hides the cgroup hierarchy dockerd needs.
   */
  readonly netns?: string;
}

/** Flags for an engine that must not touch this machine's networking. */
const NO_NETWORKING = [
  '--bridge=none',
  '--iptables=false',
  '--ip6tables=false',
  '--ip-forward=false',
  '--ip-masq=false',
  '--userland-proxy=false',
];

/** Starts a private dockerd in a temporary directory. */
export async function startPrivateDockerd(options: PrivateDockerdOptions = {}): Promise<TestDocker> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'lb-dockerd-'));
  const socket = path.join(directory, 'docker.sock');
  let child: ChildProcess | undefined;
  const launch = async () => {
    const logFile = fs.openSync(path.join(directory, 'dockerd.log'), 'a');
    const daemon = [
      'dockerd',
      // In its own network namespace dockerd may manage a bridge and iptables as on an instance.
      ...(options.netns ? ['--userland-proxy=false'] : NO_NETWORKING),
      '-H',
      `unix://${socket}`,
      '--data-root',
      path.join(directory, 'data'),
      '--exec-root',
      path.join(directory, 'exec'),
      '--pidfile',
      path.join(directory, 'dockerd.pid'),
    ];
    const argv = options.netns ? ['nsenter', `--net=/var/run/netns/${options.netns}`, ...daemon] : daemon;
    child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', logFile, logFile] });
    fs.closeSync(logFile);
    try {
      await waitFor(() => ping(socket), 60000, 'dockerd to answer');
    } catch (error) {
      const log = fs
        .readFileSync(path.join(directory, 'dockerd.log'), 'utf8')
        .split('\n')
        .slice(-20)
        .join('\n');
      throw new Error(`${(error as Error).message}\n${log}`);
    }
  };
  const stopDaemon = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 20000);
    await exited;
    clearTimeout(timer);
  };
  await launch();
  return {
    socket,
    owned: true,
    docker: dockerCli(socket),
    async stop() {
      await stopDaemon();
      fs.rmSync(directory, { recursive: true, force: true, maxRetries: 3 });
    },
    async restart(whileStopped) {
      await stopDaemon();
      await whileStopped?.();
      await launch();
    },
  };
}

/** The CI engine when LINODE_BUILD_TEST_DOCKER_SOCK is set; otherwise a private one. */
export async function acquireDocker(options: { restartable?: boolean } = {}): Promise<TestDocker> {
  const shared = process.env.LINODE_BUILD_TEST_DOCKER_SOCK;
  if (shared && !options.restartable) {
    return {
      socket: shared,
      owned: false,
      docker: dockerCli(shared),
      async stop() {},
      async restart() {
        throw new Error('the shared CI dockerd cannot be restarted by a test');
      },
    };
  }
  return startPrivateDockerd();
}

function busyboxPath(): string {
  for (const candidate of ['/bin/busybox', '/usr/bin/busybox'])
    if (fs.existsSync(candidate)) return candidate;
  throw new Error('busybox-static is not installed');
}

/** Builds TEST_IMAGE from busybox-static with `docker import` (no registry needed). */
export async function importBusyboxImage(docker: TestDocker): Promise<string> {
  const existing = await docker.docker(['images', '-q', TEST_IMAGE]);
  if (existing) return TEST_IMAGE;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lb-rootfs-'));
  try {
    const bin = path.join(root, 'bin');
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(root, 'tmp'));
    fs.copyFileSync(busyboxPath(), path.join(bin, 'busybox'));
    fs.chmodSync(path.join(bin, 'busybox'), 0o755);
    const applets = spawnSync(busyboxPath(), ['--list'], { encoding: 'utf8' }).stdout.split('\n');
    for (const applet of applets) {
      if (applet && applet !== 'busybox' && /^[a-z0-9_.[-]+$/.test(applet)) {
        fs.symlinkSync('busybox', path.join(bin, applet));
      }
    }
    const tar = spawnSync('tar', ['-C', root, '-c', '.'], { maxBuffer: 64 << 20 });
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
    await new Promise<void>((resolve, reject) => {
      const child = spawn('docker', ['import', '-', TEST_IMAGE], {
        env: { ...process.env, DOCKER_HOST: `unix://${docker.socket}` },
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker import: ${stderr}`))));
      child.stdin.end(tar.stdout);
    });
    return TEST_IMAGE;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
