/**
 * A tiny busybox image, written straight into the storage layout of Debian's
 * `docker-registry` (distribution 2.8, filesystem driver) without any Docker daemon. The
 * guest runs that registry on 127.0.0.1:5000, so `docker pull` inside it works with no
 * public registry reachable (a `docker load`ed image does not satisfy a pull).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export const GUEST_REGISTRY = '127.0.0.1:5000';
export const BUSYBOX_IMAGE = `${GUEST_REGISTRY}/boottest/busybox:1`;
const REGISTRY_STORE = 'var/lib/docker-registry';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** The busybox layer (static binary + one link per applet), as an uncompressed tar. */
function busyboxLayer(busybox: string): Buffer {
  const staging = mkdtempSync(path.join(os.tmpdir(), 'lb-busybox-'));
  try {
    mkdirSync(path.join(staging, 'bin'));
    mkdirSync(path.join(staging, 'tmp'));
    chmodSync(path.join(staging, 'tmp'), 0o1777);
    writeFileSync(path.join(staging, 'bin/busybox'), readFileSync(busybox), { mode: 0o755 });
    const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const applet of applets) {
      if (applet !== 'busybox') symlinkSync('busybox', path.join(staging, 'bin', applet));
    }
    const tar = spawnSync(
      'tar',
      ['--numeric-owner', '--owner=0', '--group=0', '-C', staging, '-cf', '-', '.'],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
    return tar.stdout;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Writes the image into `<root>/var/lib/docker-registry` and the registry's config. */
export function writeBusyboxRegistry(root: string, busybox = '/bin/busybox'): void {
  const store = path.join(root, REGISTRY_STORE, 'docker/registry/v2');
  const repository = path.join(store, 'repositories/boottest/busybox');
  const blob = (data: Buffer) => {
    const digest = sha256(data);
    const dir = path.join(store, 'blobs/sha256', digest.slice(0, 2), digest);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'data'), data);
    return digest;
  };
  const linkFile = (file: string, digest: string) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `sha256:${digest}`);
  };

  const tar = busyboxLayer(busybox);
  const layer = gzipSync(tar);
  const layerDigest = blob(layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(tar)}`] },
    }),
  );
  const configDigest = blob(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: config.length,
        digest: `sha256:${configDigest}`,
      },
      layers: [
        {
          mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
          size: layer.length,
          digest: `sha256:${layerDigest}`,
        },
      ],
    }),
  );
  const manifestDigest = blob(manifest);
  for (const digest of [layerDigest, configDigest]) {
    linkFile(path.join(repository, '_layers/sha256', digest, 'link'), digest);
  }
  linkFile(path.join(repository, '_manifests/revisions/sha256', manifestDigest, 'link'), manifestDigest);
  linkFile(path.join(repository, '_manifests/tags/1/current/link'), manifestDigest);
  linkFile(path.join(repository, '_manifests/tags/1/index/sha256', manifestDigest, 'link'), manifestDigest);

  // Loopback only, no auth (Debian's default config asks for an htpasswd file).
  writeFileSync(
    path.join(root, 'etc/docker/registry/config.yml'),
    [
      'version: 0.1',
      'storage:',
      '  filesystem:',
      `    rootdirectory: /${REGISTRY_STORE}`,
      'http:',
      `  addr: ${GUEST_REGISTRY}`,
      '',
    ].join('\n'),
  );
  // Started with the guest, before cloud-init's final stage pulls from it.
  const wants = path.join(root, 'etc/systemd/system/multi-user.target.wants');
  mkdirSync(wants, { recursive: true });
  rmSync(path.join(wants, 'docker-registry.service'), { force: true });
  symlinkSync('/lib/systemd/system/docker-registry.service', path.join(wants, 'docker-registry.service'));
  // The registry runs as its own user: give it the store.
  spawnSync('chroot', [root, 'chown', '-R', 'docker-registry:docker-registry', `/${REGISTRY_STORE}`]);
}
