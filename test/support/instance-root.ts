/**
 * A private directory that plays an instance's filesystem for tests that reach it through the
 * test sshd: the files cloud-init's write_files would write (taken from the exact user-data the
 * fake API received), plus stand-ins for the two programs a test machine cannot run for an
 * instance — `systemctl` (no systemd as PID 1 here: `restart` runs what the app unit's
 * ExecStop/ExecStart run) and `docker` (no image registry: `run` starts a small HTTP server on
 * the published port unless the image tag is `:broken`, and keeps the env file it was given).
 * Everything else is the product's own: app-start, pull-image, health-wait, update-app.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';

interface WriteFile {
  readonly path: string;
  readonly content: string;
  readonly permissions?: string;
  readonly encoding?: string;
}

const systemctl = `#!/bin/bash
# systemctl stand-in: records each call; restart runs the app unit's ExecStop then ExecStart.
echo "$*" >>"$LB_ROOT/systemctl.log"
case "$1" in
  restart)
    "$LB_ROOT/usr/local/lib/linode-build/app-start" stop
    exec "$LB_ROOT/usr/local/lib/linode-build/app-start"
    ;;
  *) exit 0 ;;
esac
`;

const docker = `#!/bin/bash
# docker stand-in: run starts the "container" (an HTTP server on the published port) unless
# the image is :broken (a container that exits at once); rm/stop stop it.
state="$LB_ROOT/docker-state"
mkdir -p "$state"
echo "$*" >>"$state/calls"
stop() {
  if [ -f "$state/pid" ]; then
    kill "$(cat "$state/pid")" 2>/dev/null || true
    rm -f "$state/pid"
  fi
}
case "$1" in
  rm | stop) stop ;;
  run)
    shift
    port=
    envfile=
    image=
    while [ $# -gt 0 ]; do
      case "$1" in
        -d) shift ;;
        -p) port=\${2%%:*}; shift 2 ;;
        --env-file) envfile=$2; shift 2 ;;
        -*) shift 2 ;;
        *) image=$1; break ;;
      esac
    done
    stop
    cp "$LB_ROOT$envfile" "$state/env-seen" # app.conf names the instance path
    echo "$image" >"$state/image"
    case "$image" in *:broken) exit 0 ;; esac
    setsid node -e "require('http').createServer((q, r) => r.end('ok')).listen(+process.argv[1], '127.0.0.1')" "$port" \\
      </dev/null >/dev/null 2>&1 &
    echo $! >"$state/pid"
    ;;
  *) exit 0 ;;
esac
`;

export interface InstanceRoot {
  readonly root: string;
  /** LINODE_BUILD_TEST_REMOTE_ENV for the CLI: the update runs against this root. */
  readonly remoteEnv: string;
  /** Writes the files of a #cloud-config document (what cloud-init would write at first boot). */
  boot(userData: string): void;
  /** Starts the app as its unit would. */
  startApp(): void;
  /** What the app container was last started with. */
  image(): string;
  envSeen(): string;
  systemctlCalls(): string[];
  stopApp(): void;
}

export function instanceRoot(root: string): InstanceRoot {
  const bin = path.join(root, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(path.join(bin, 'systemctl'), systemctl, { mode: 0o755 });
  writeFileSync(path.join(bin, 'docker'), docker, { mode: 0o755 });
  const env = {
    LB_ROOT: root,
    LB_SYSTEMCTL: path.join(bin, 'systemctl'),
    PATH: `${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
  };
  const read = (file: string) => {
    try {
      return readFileSync(path.join(root, file), 'utf8');
    } catch {
      return '';
    }
  };
  return {
    root,
    remoteEnv: JSON.stringify(env),
    boot(userData) {
      const document = parse(userData) as { write_files?: WriteFile[] };
      for (const file of document.write_files ?? []) {
        const target = path.join(root, file.path);
        mkdirSync(path.dirname(target), { recursive: true });
        const bytes =
          file.encoding === 'gz+b64'
            ? gunzipSync(Buffer.from(file.content, 'base64'))
            : Buffer.from(file.content, 'utf8');
        writeFileSync(target, bytes);
        chmodSync(target, Number.parseInt(file.permissions ?? '0644', 8));
      }
    },
    startApp() {
      const result = spawnSync(env.LB_SYSTEMCTL, ['restart', 'linode-build-app.service'], {
        env: { ...process.env, ...env, LINODE_BUILD_ETC: path.join(root, 'etc/linode-build') },
        encoding: 'utf8',
      });
      if (result.status !== 0) throw new Error(`app start failed: ${result.stdout}${result.stderr}`);
    },
    image: () => read('docker-state/image').trim(),
    envSeen: () => read('docker-state/env-seen'),
    systemctlCalls: () => read('systemctl.log').split('\n').filter(Boolean),
    stopApp() {
      const pid = Number(read('docker-state/pid'));
      if (pid > 0) {
        try {
          process.kill(pid);
        } catch {
          // already gone
        }
      }
    },
  };
}
