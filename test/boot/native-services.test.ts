/**
 * Real boots (issue 13, cases 2 and 5): a `native` template with a venv from Debian's
 * python3-venv and a unit of its own; and Redis + PostgreSQL from Debian 12's own archive,
 * reached from the app container the way docs/capabilities.md says (host.docker.internal).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BootRecord,
  bootAvailable,
  bootProject,
  closeBootEnvironment,
  destroyGuest,
  explain,
  guestOk,
} from './harness.js';
import { BUSYBOX_APP, DEPLOY_DEBIAN12, quickHealth } from './templates.js';

const enabled = bootAvailable();

const NATIVE_TEMPLATE = `name: boot-native
version: 1.0.0
capabilities:
  runtime: native
  packages: [python3-venv]
${DEPLOY_DEBIAN12}setup:
  files:
    - path: /opt/app/www/health
      content: "native ok\\n"
    - path: /etc/systemd/system/boot-native.service
      content: |
        [Unit]
        Description=boot test: a native app in a venv
        [Service]
        ExecStart=/opt/app/venv/bin/python -m http.server --bind 127.0.0.1 --directory /opt/app/www 8000
        [Install]
        WantedBy=multi-user.target
  script: |
    #!/bin/bash
    set -euo pipefail
    python3 -m venv /opt/app/venv
    /opt/app/venv/bin/python -c 'import sys; assert sys.prefix == "/opt/app/venv"'
    systemctl daemon-reload
    systemctl enable --now boot-native.service
    for _ in $(seq 1 30); do
      curl -fsS http://127.0.0.1:8000/health && exit 0
      sleep 1
    done
    exit 1
`;

describe.skipIf(!enabled)('boot: native template with its own unit (case 2)', () => {
  let record: BootRecord;

  beforeAll(async () => {
    record = await bootProject({ name: 'native-ok', files: { deployYml: NATIVE_TEMPLATE } });
  }, 10 * 60_000);

  afterAll(async () => {
    await destroyGuest(record?.guest);
  }, 3 * 60_000);

  it('every step ok and the unit active, serving from the venv', async () => {
    expect(record.cloudInitStatus, explain(record)).toMatch(/status: done/);
    expect(record.bootStatus?.state, explain(record)).toBe('done');
    expect(
      record.bootStatus!.steps.filter((step) => step.state !== 'ok'),
      explain(record),
    ).toEqual([]);
    expect((await guestOk(record.guest, ['systemctl', 'is-active', 'boot-native.service'])).trim()).toBe(
      'active',
    );
    const body = await guestOk(record.guest, [
      'curl',
      '-sS',
      '--max-time',
      '5',
      'http://127.0.0.1:8000/health',
    ]);
    expect(body).toBe('native ok\n');
    const main = await guestOk(record.guest, [
      'systemctl',
      'show',
      '-p',
      'ExecMainPID',
      '--value',
      'boot-native.service',
    ]);
    const exe = await guestOk(record.guest, ['readlink', `/proc/${main.trim()}/exe`]);
    expect(exe).toMatch(/python3/);
    // No container runtime was installed for a native template.
    expect((await record.guest.exec(['sh', '-c', 'command -v docker'])).code).not.toBe(0);
  });
});

const SERVICES_TEMPLATE = `name: boot-services
version: 1.0.0
capabilities:
  runtime: docker
  features:
    - redis
    - postgresql-15
${DEPLOY_DEBIAN12}    container:
${BUSYBOX_APP}${quickHealth(8080)}`;

describe.skipIf(!enabled)('boot: redis and postgresql-15 from Debian 12 (case 5)', () => {
  let record: BootRecord;

  beforeAll(async () => {
    record = await bootProject({ name: 'services-ok', files: { deployYml: SERVICES_TEMPLATE } });
  }, 10 * 60_000);

  afterAll(async () => {
    await destroyGuest(record?.guest);
  }, 3 * 60_000);

  it('every step ok', () => {
    expect(record.bootStatus?.state, explain(record)).toBe('done');
    expect(
      record.bootStatus!.steps.filter((step) => step.state !== 'ok'),
      explain(record),
    ).toEqual([]);
  });

  it('the app container reaches Redis as host.docker.internal:6379', async () => {
    const environ = (await guestOk(record.guest, ['docker', 'exec', 'app', 'cat', '/proc/1/environ'])).split(
      '\0',
    );
    expect(environ).toContain('REDIS_HOST=host.docker.internal');
    expect(environ).toContain('REDIS_PORT=6379');
    const pong = await guestOk(record.guest, [
      'docker',
      'exec',
      'app',
      'sh',
      '-c',
      'printf "PING\\r\\n" | nc -w 3 host.docker.internal 6379',
    ]);
    expect(pong).toContain('+PONG');
  });

  it('the app container reaches PostgreSQL through DATABASE_URL, and the app role can log in', async () => {
    const environ = (await guestOk(record.guest, ['docker', 'exec', 'app', 'cat', '/proc/1/environ'])).split(
      '\0',
    );
    const url = environ.find((entry) => entry.startsWith('DATABASE_URL='))?.slice('DATABASE_URL='.length);
    expect(url, environ.join('\n')).toMatch(/^postgres(ql)?:\/\/app:[^@]+@host\.docker\.internal:5432\/app/);
    // An SSLRequest packet: any PostgreSQL server answers one byte, S or N.
    const answer = await guestOk(record.guest, [
      'docker',
      'exec',
      'app',
      'sh',
      '-c',
      "printf '\\0\\0\\0\\10\\4\\322\\26\\57' | nc -w 3 host.docker.internal 5432",
    ]);
    expect(answer).toMatch(/^[SN]/);
    // The generated password works for the app role over TCP (what the container's URL uses).
    const tcpUrl = url!.replace('host.docker.internal', '127.0.0.1');
    const who = await guestOk(record.guest, [
      'psql',
      tcpUrl,
      '-Atc',
      'select current_user, current_database()',
    ]);
    expect(who.trim()).toBe('app|app');
  });

  it('neither service listens on anything but loopback and the Docker bridge', async () => {
    const listening = await guestOk(record.guest, ['ss', '-Hltn']);
    const addresses = listening
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[3])
      .filter((address): address is string => address !== undefined && /:(6379|5432)$/.test(address));
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) expect(address).toMatch(/^(127\.0\.0\.1|\[::1\]|172\.17\.0\.1):/);
  });
});

afterAll(async () => {
  await closeBootEnvironment();
});
