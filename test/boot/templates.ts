/**
 * Pieces of the templates the boot tests (and bench/boot.mjs) boot: the Debian 12 deploy block
 * and the busybox web app served from the guest's own registry.
 */
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
