/**
 * How BuildWatch reaches the instance: the bundle (built by scripts/build.mjs) and its sha256
 * as files in user-data, the token file, a hardened systemd unit, and the install step. The
 * install step downloads the watcher's own Node.js (node.json: an official build pinned by
 * version and sha256, or the config's `node` override), checks it before unpacking it, and
 * the unit runs that Node whatever the image ships (see docs/watcher.md).
 */
import type { Fragments } from '../../src/capability/types.js';
import { BOOT_STATUS_PATH, CONTAINER_NAME } from '../../src/cloudinit/layout.js';
import { systemdExecLine } from '../../src/quote/index.js';
// Packed by scripts/build.mjs right after the bundle is built: plan does not gzip or hash it.
import bundleGzipBase64 from '../../watcher/dist/buildwatch.js.gz.b64?raw';
import bundleSha256 from '../../watcher/dist/buildwatch.js.sha256?raw';
import installScript from './install.sh?raw';
import watcherNode from './node.json';
import type { BuildwatchConfig } from './schema.js';

export const BUNDLE_PATH = '/usr/local/lib/buildwatch/buildwatch.mjs';
export const TOKEN_PATH = '/etc/buildwatch/token';
export const STATE_PATH = '/var/lib/buildwatch';
export const UNIT_NAME = 'buildwatch.service';
export const UNIT_PATH = `/etc/systemd/system/${UNIT_NAME}`;
/** The watcher's own Node.js, unpacked by the install step (only `bin/node` is kept). */
export const NODE_DIR = '/usr/local/lib/buildwatch/node';
export const NODE_PATH = `${NODE_DIR}/bin/node`;
/** Written by the install step from the unpacked binary; checked before every start. */
export const NODE_SHA256_PATH = '/usr/local/lib/buildwatch/node.sha256';
/** The oldest Node line the bundle runs on (node.json pins 24; an override may bring 22). */
export const NODE_MIN_MAJOR = 22;
/**
 * V8 limits: a small young generation and a capped old space keep resident memory low (the
 * watcher's own data is bounded by design). bench/watcher.mjs measures with the same flags.
 */
export const NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=64'];

/** Where the install step gets Node from: the config's override, else the pinned official build. */
export function nodeSource(config: BuildwatchConfig): { url: string; sha256: string } {
  const { url, sha256 } = config.node ?? {};
  if (url !== undefined && sha256 !== undefined) return { url, sha256 };
  return { url: watcherNode.url, sha256: watcherNode.sha256 };
}

/**
 * `retention.days` wins; the original tool's `log_retention_days` applies when retention.days
 * was left at its default (defaults are applied before fragments() sees the config).
 */
function retentionDays(config: BuildwatchConfig): number {
  const defaultDays = 7;
  return config.log_retention_days !== undefined && config.retention.days === defaultDays
    ? config.log_retention_days
    : config.retention.days;
}

/** What else the deployment has that the watcher looks at. */
export interface WatchTargets {
  /** The deployment has `gpu-nvidia`: sample the GPUs and follow Xid errors. */
  readonly gpu: boolean;
}

const NO_TARGETS: WatchTargets = { gpu: false };

/** The daemon's command line, from the capability config. */
export function daemonArgv(config: BuildwatchConfig, targets: WatchTargets = NO_TARGETS): string[] {
  // No allowed sources → nothing outside can reach it anyway: bind loopback (SSH tunnel only).
  const host = config.allowed_sources.length > 0 ? '0.0.0.0' : '127.0.0.1';
  const argv = [
    NODE_PATH,
    ...NODE_FLAGS,
    BUNDLE_PATH,
    '--docker-socket',
    '/var/run/docker.sock',
    '--listen',
    `${host}:${config.port}`,
    '--token-file',
    TOKEN_PATH,
    '--state-dir',
    STATE_PATH,
    '--crash-loop-count',
    String(config.crash_loop_count),
    '--crash-loop-window',
    String(config.crash_loop_window_seconds),
    '--slow-start',
    String(config.slow_start_seconds),
    '--boot-status-file',
    BOOT_STATUS_PATH,
    '--default-container',
    CONTAINER_NAME,
    '--max-events',
    String(config.retention.events),
    '--max-issues',
    String(config.retention.issues),
    '--retention-days',
    String(retentionDays(config)),
  ];
  if (targets.gpu) argv.push('--gpu-interval', String(config.gpu.interval_seconds), '--gpu');
  if (!config.enable_metrics) argv.push('--disable-metrics');
  return argv;
}

/**
 * GPU sampling needs the NVIDIA device nodes (nvidia-smi opens /dev/nvidiactl and
 * /dev/nvidia<N>) and the kernel log (/dev/kmsg, which Ubuntu's kernel.dmesg_restrict=1 keeps
 * to CAP_SYSLOG): the unit gives exactly those up, and only on GPU deployments. Not yet run on
 * a real GPU instance (docs/watcher.md).
 */
function deviceLines(targets: WatchTargets): string[] {
  if (!targets.gpu) return ['CapabilityBoundingSet=', 'PrivateDevices=yes', 'ProtectKernelLogs=yes'];
  return ['CapabilityBoundingSet=CAP_SYSLOG', 'PrivateDevices=no', 'ProtectKernelLogs=no'];
}

export function unitFile(config: BuildwatchConfig, targets: WatchTargets = NO_TARGETS): string {
  return [
    '[Unit]',
    'Description=BuildWatch: container and boot watcher for linode-build',
    'After=docker.service network-online.target',
    'Wants=docker.service network-online.target',
    'StartLimitIntervalSec=300',
    'StartLimitBurst=10',
    '',
    '[Service]',
    'Type=simple',
    // Integrity before every start, not only at install: a changed file does not run.
    `ExecStartPre=${systemdExecLine(['/usr/bin/sha256sum', '--check', '--quiet', `${BUNDLE_PATH}.sha256`, NODE_SHA256_PATH])}`,
    `ExecStart=${systemdExecLine(daemonArgv(config, targets))}`,
    'Restart=on-failure',
    'RestartSec=5',
    // Root only for the Docker socket (root:docker 0660); every capability is dropped.
    'User=root',
    ...deviceLines(targets),
    'AmbientCapabilities=',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    `ReadWritePaths=${STATE_PATH}`,
    'StateDirectory=buildwatch',
    'StateDirectoryMode=0700',
    'UMask=0077',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
    'SystemCallArchitectures=native',
    'MemoryMax=192M',
    'TasksMax=64',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export function deliveryFragments(
  config: BuildwatchConfig,
  token: string | undefined,
  targets: WatchTargets = NO_TARGETS,
): Fragments {
  if (!token) throw new Error('buildwatch needs a generated watcher token (context.secrets.watcherToken)');
  const node = nodeSource(config);
  return {
    // curl fetches the watcher's Node, xz unpacks the official .tar.xz; no distribution nodejs.
    packages: ['curl', 'ca-certificates', 'xz-utils'],
    writeFiles: [
      {
        path: BUNDLE_PATH,
        content: bundleGzipBase64,
        encoding: 'gz+b64',
        permissions: '0644',
        owner: 'root:root',
      },
      {
        path: `${BUNDLE_PATH}.sha256`,
        content: `${bundleSha256.trim()}  ${BUNDLE_PATH}\n`,
        permissions: '0644',
        owner: 'root:root',
      },
      { path: TOKEN_PATH, content: `${token}\n`, permissions: '0600', owner: 'root:root' },
      { path: UNIT_PATH, content: unitFile(config, targets), permissions: '0644', owner: 'root:root' },
    ],
    steps: [
      {
        name: 'start-watcher',
        description: "Install the watcher's Node.js, verify the BuildWatch bundle and start its service",
        script: installScript,
        env: {
          BUILDWATCH_BUNDLE: BUNDLE_PATH,
          BUILDWATCH_UNIT: UNIT_NAME,
          BUILDWATCH_NODE_URL: node.url,
          BUILDWATCH_NODE_SHA256: node.sha256,
          BUILDWATCH_NODE_DIR: NODE_DIR,
          BUILDWATCH_NODE_SHA256_FILE: NODE_SHA256_PATH,
          BUILDWATCH_NODE_MIN_MAJOR: String(NODE_MIN_MAJOR),
        },
      },
    ],
    ports: [
      {
        port: config.port,
        protocol: 'TCP',
        public: false,
        ...(config.allowed_sources.length > 0 ? { sources: config.allowed_sources } : {}),
        description: 'BuildWatch API (bearer token)',
      },
    ],
    probes: [{ name: 'buildwatch-active', argv: ['systemctl', 'is-active', UNIT_NAME] }],
  };
}
