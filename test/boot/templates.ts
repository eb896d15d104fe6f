/**
 * Pieces of the templates the boot tests (and bench/boot.mjs) boot: the Debian 12 deploy block
 * and the busybox web app served from the guest's own registry.
 */
import { METADATA_ADDRESS } from './fake-metadata.js';
import { BUSYBOX_IMAGE } from './registry-image.js';

/** `deploy:` up to `linode:`'s keys; a `container:` block may follow at 4 spaces. */
export const DEPLOY_DEBIAN12 = `deploy:
  target: linode
  linode:
    image: linode/debian12
    region_default: us-ord
    type_default: g6-standard-2
`;

/**
 * The busybox app's container keys (6 spaces): httpd on 8080 published on 80, /health answers
 * "ok". httpd as PID 1 would ignore SIGTERM, so every stop and reboot would wait out docker's
 * 30 s: the shell stops it on TERM.
 */
export const BUSYBOX_APP = `      image: ${BUSYBOX_IMAGE}
      internal_port: 8080
      external_port: 80
      command: [sh, -c, "mkdir -p /www && echo ok > /www/health && httpd -f -p 8080 -h /www & trap 'kill $!; exit 0' TERM; wait"]
`;

/** An http health check on `port` that probes at once, every second, up to a minute. */
export function quickHealth(port: number): string {
  return `      health:
        type: http
        path: /health
        port: ${port}
        initial_delay_seconds: 0
        interval_seconds: 1
        timeout_seconds: 2
        max_retries: 60
`;
}

/**
 * Case 1's template (docker + buildwatch + a package + setup + a hostile env), booted under
 * nspawn (docker.test.ts) and in a full VM (vm.test.ts).
 *
 * Shell, YAML, systemd, Go-template and env-file metacharacters, in .env (backtick-quoted, so
 * dotenv keeps every byte; docker's env file cannot carry newlines) and in the template itself.
 */
export const HOSTILE = `a'b"c $(touch /tmp/pwned) ; | & > < \\ %h %% $HOME #x {{.}} * é \${NOPE} end `;
export const TICKS = 'run `touch /tmp/pwned-too` now';
export const WATCHER_PORT = 9180;
/**
 * An HTTP request to the metadata address from inside the app container, with busybox nc
 * (busybox's static wget crashes resolving even an IP literal, glibc NSS in a static binary).
 */
export const metadataRequest = [
  'docker',
  'exec',
  'app',
  'sh',
  '-c',
  `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${METADATA_ADDRESS} 80`,
];

/** Where the watcher downloads its Node from (an archive the boot's relay publishes). */
export interface WatcherNodeSource {
  readonly url: string;
  readonly sha256: string;
}

export function dockerTemplate(
  watcherNode: WatcherNodeSource | undefined,
  extra: { packages?: string[]; name?: string } = {},
): string {
  const packages = extra.packages ?? ['jq'];
  return `name: ${extra.name ?? 'boot-docker'}
version: 1.0.0
capabilities:
  runtime: docker
  features:
    - name: buildwatch
      config:
        port: ${WATCHER_PORT}
        node:
          url: ${watcherNode?.url}
          sha256: ${watcherNode?.sha256}
  packages: [${packages.join(', ')}]
${DEPLOY_DEBIAN12}    container:
${BUSYBOX_APP}      env:
        HOSTILE: \${HOSTILE}
        TICKS: '${TICKS}'
        PLAIN: plain-value
      volumes:
        - /srv/boot-data:/data:ro
      post_start_script: |
        #!/bin/bash
        set -euo pipefail
        date +%s%N >> /var/lib/boottest-post-start
${quickHealth(8080)}setup:
  files:
    - path: /srv/boot-data/hello.txt
      content: "hello from setup.files\\n"
  script: |
    #!/bin/bash
    set -euo pipefail
    date +%s%N >> /var/lib/boottest-setup
env:
  required:
    - name: HOSTILE
`;
}

/** .env line: a backtick-quoted dotenv value holds every other byte literally. */
export function dotenvFor(value: string): string {
  if (value.includes('`') || value.includes('\n')) throw new Error('not representable in this .env quoting');
  return `HOSTILE=\`${value}\`\n`;
}
