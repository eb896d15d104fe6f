import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CreateFirewallSchema, CreateLinodeSchema } from '@linode/validation';
import { describe, expect, it } from 'vitest';
import { composePlan } from '../../src/plan/compose.js';
import { firewallLabel, instanceLabel } from '../../src/plan/labels.js';
import type { DeploymentContext, DeployPlan } from '../../src/plan/types.js';
import { parseUserData } from '../conformance/userdata.js';
import { defaultHealth, fakeCapability, makeContext, makeTemplate, resolved } from './fixtures.js';

const D = '$';
const docker = fakeCapability(
  'docker',
  {
    packages: ['docker.io', 'curl'],
    steps: [{ name: 'start-daemon', description: 'Start Docker', script: '#!/bin/bash\ntrue\n' }],
    probes: [{ name: 'docker-info', argv: ['docker', 'info'] }],
  },
  { kind: 'runtime' },
);
const gpu = fakeCapability(
  'gpu',
  {
    packages: ['curl', 'pciutils'],
    aptSources: [
      { name: 'nvidia', source: 'deb [signed-by=$KEY_FILE] https://example.com/deb /', keyid: 'ABCD' },
    ],
    bootcmd: [['sh', '-c', 'echo early']],
    steps: [
      {
        name: 'driver',
        description: 'Install the driver',
        script: '#!/bin/bash\ntrue\n',
        env: { BRANCH: "570 'server'" },
      },
    ],
    container: { runArgs: ['--gpus', 'all'], env: { NVIDIA_VISIBLE_DEVICES: 'all' } },
    ports: [
      { port: 9090, protocol: 'TCP', public: true, description: 'metrics' },
      { port: 6379, protocol: 'TCP', public: false, description: 'private' },
      {
        port: 8443,
        protocol: 'TCP',
        public: false,
        sources: ['203.0.113.0/24', '2001:db8::/32'],
        description: 'allowed sources only',
      },
    ],
  },
  { requires: () => ['docker'] },
);
const extra = fakeCapability(
  'extra',
  { steps: [{ name: 'one', description: 'One', script: '#!/bin/bash\n' }] },
  {
    requires: () => ['gpu'],
  },
);

function plan(
  overrides: Parameters<typeof makeTemplate>[0] = {},
  dotenv: Record<string, string> = {},
  context: Partial<DeploymentContext> = {},
): DeployPlan {
  return composePlan({
    template: makeTemplate(overrides),
    dotenv,
    context: makeContext({ expiresAt: new Date('2026-01-02T11:04:05Z'), ...context }),
    capabilities: [resolved(docker), resolved(gpu), resolved(extra, 'gpu')],
  });
}

describe('composePlan', () => {
  it("hands every capability each resolved capability's config (validated, defaults applied)", () => {
    const seen: unknown[] = [];
    const reader = fakeCapability(
      'reader',
      {},
      {
        fragments: (_config, context) => {
          seen.push(context.configs);
          return {};
        },
      },
    );
    const tuned = fakeCapability('tuned', {});
    composePlan({
      template: makeTemplate({ runtime: 'native', setupScript: '#!/bin/bash\necho install\n' }),
      dotenv: {},
      context: makeContext(),
      capabilities: [resolved(reader), { ...resolved(tuned), config: { level: 3 } }],
    });
    expect(seen).toEqual([{ reader: {}, tuned: { level: 3 } }]);
  });

  it('lists the endpoints capabilities declare, from their resolved config', () => {
    const api = fakeCapability(
      'api',
      {},
      {
        endpoints: (config) => [{ name: 'api', port: Number(config.port), description: 'An API.' }],
      },
    );
    const plan = composePlan({
      template: makeTemplate({ runtime: 'native', setupScript: '#!/bin/bash\necho install\n' }),
      dotenv: {},
      context: makeContext(),
      capabilities: [resolved(extra), { ...resolved(api), config: { port: 9300 } }],
    });
    expect(plan.endpoints).toEqual([{ capability: 'api', name: 'api', port: 9300, description: 'An API.' }]);
  });

  it('orders steps per capability (packages, steps, probes) then setup and app, packages once', () => {
    const result = plan({ setupScript: '#!/bin/bash\necho setup\n', packages: [] });
    expect(result.packages).toEqual(['docker.io', 'curl', 'pciutils']);
    expect(result.steps.map((s) => s.id)).toEqual([
      '01-docker-packages',
      '02-docker-start-daemon',
      '03-docker-verify',
      '04-gpu-packages',
      '05-gpu-driver',
      '06-extra-one',
      '07-setup-script',
      '08-app-block-metadata',
      '09-app-pull-image',
      '10-app-start',
      '11-app-wait-healthy',
    ]);
    const files = parseUserData(result.userData).files;
    const manifest = files.find((f) => f.path.endsWith('/manifest.tsv'))!.content.split('\n');
    expect(manifest[3]).toBe('04-gpu-packages\tgpu\tpackages\tdocker\tInstall pciutils');
    expect(manifest[5]).toBe('06-extra-one\textra\tone\tdocker,gpu\tOne');
    expect(manifest[6]).toBe(
      "07-setup-script\tsetup\tscript\tdocker,gpu,extra\tRun the template's setup script",
    );
    expect(manifest[7]).toMatch(/^08-app-block-metadata\tapp\tblock-metadata\tdocker,gpu,extra,setup\t/);
    const stepEnv = files.find((f) => f.path.endsWith('/05-gpu-driver.env'))!;
    expect(stepEnv.content).toContain(`export BRANCH='570 '\\''server'\\'''`);
    expect(stepEnv.permissions).toBe('0600');
  });

  it('renders apt sources with signed-by, bootcmd and the runner runcmd', () => {
    const { config } = parseUserData(plan().userData);
    expect(config.apt?.sources.nvidia).toEqual({
      source: 'deb [signed-by=$KEY_FILE] https://example.com/deb /',
      keyid: 'ABCD',
    });
    expect(config.bootcmd).toEqual([['sh', '-c', 'echo early']]);
    expect(config.runcmd).toEqual([['/bin/bash', '/usr/local/lib/linode-build/boot-runner']]);
  });

  it('quotes docker run argv exactly: bash reads back image, options and command', () => {
    const argv = ['--name', `it's "x" ${D}HOME`, '%h', '#c', 'a=b', 'é 😀', ''];
    const result = plan({
      container: { command: argv, volumes: ['/srv/my data:/data:ro'] },
    });
    const conf = parseUserData(result.userData).files.find((f) => f.path === '/etc/linode-build/app.conf')!;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-conf-'));
    writeFileSync(path.join(dir, 'app.conf'), conf.content);
    const printed = spawnSync(
      'bash',
      [
        '-c',
        `. "$1"; printf '%s\\0' "$IMAGE" "\${RUN_ARGS[@]}" -- "\${COMMAND[@]}"`,
        'bash',
        path.join(dir, 'app.conf'),
      ],
      { encoding: 'utf8' },
    );
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout.split('\0').slice(0, -1)).toEqual([
      'registry.example.com/team/app:1.0',
      '--restart',
      'unless-stopped',
      '-p',
      '80:8000',
      '-v',
      '/srv/my data:/data:ro',
      '--gpus',
      'all',
      '--env-file',
      '/etc/linode-build/app.env',
      '--label',
      'linode-build.deployment=abcd1234',
      '--label',
      'linode-build.app=demo-app',
      '--label',
      'linode-build.env=prod',
      '--',
      ...argv,
    ]);
  });

  it('ships capability, template and declared .env values in a 0600 env file', () => {
    const result = plan(
      {
        containerEnv: { TOKEN: `${D}{SECRET}` },
        env: { required: [{ name: 'SECRET', description: '', secret: true }], optional: [] },
      },
      { SECRET: 's3cr3t value', OTHER: 'not shipped' },
    );
    const envFile = parseUserData(result.userData).files.find((f) => f.path === '/etc/linode-build/app.env')!;
    expect(envFile.permissions).toBe('0600');
    expect(envFile.content).toBe(
      'BUILD_APP=demo-app\nBUILD_DEPLOYMENT_ID=abcd1234\nBUILD_ENV=prod\nNVIDIA_VISIBLE_DEVICES=all\nSECRET=s3cr3t value\nTOKEN=s3cr3t value\n',
    );
    expect(result.envNames).toEqual([
      'BUILD_APP',
      'BUILD_DEPLOYMENT_ID',
      'BUILD_ENV',
      'NVIDIA_VISIBLE_DEVICES',
      'SECRET',
      'TOKEN',
    ]);
    expect(result.secretValues).toEqual(
      expect.arrayContaining([
        's3cr3t value',
        'not shipped',
        'root-pass-CANARY-1234567890',
        'watcher-token-CANARY-abcdef',
      ]),
    );
    expect(result.warnings.map((w) => w.message).join('\n')).toContain('OTHER is set in .env');
  });

  it('blocks the metadata service unless the template opts out', () => {
    const blocked = plan();
    expect(blocked.steps.map((s) => s.name)).toContain('block-metadata');
    const unit = parseUserData(blocked.userData).files.find((f) =>
      f.path.endsWith('linode-build-app.service'),
    )!;
    expect(unit.content).toContain('Requires=docker.service linode-build-metadata-block.service');
    const open = plan({ container: { allow_metadata_access: true } });
    expect(open.steps.map((s) => s.name)).not.toContain('block-metadata');
    expect(open.userData).not.toContain('block-metadata');
  });

  it('runs the post-start hook after the health wait, in the same (app) capability', () => {
    const names = plan({ container: { post_start_script: '#!/bin/bash\necho hi\n' } }).steps.map(
      (s) => s.name,
    );
    expect(names.slice(-2)).toEqual(['wait-healthy', 'post-start']);
  });

  it('builds create and firewall bodies Linode accepts', async () => {
    const result = plan({ tags: ['gpu', 'x', 'a'.repeat(60)] });
    // linode/ubuntu24.04: the document is sent gzipped (cloud-init unpacks it).
    const sent = Buffer.from(result.instance.metadata.user_data, 'base64');
    expect(result.size).toMatchObject({ encoding: 'gzip', total: sent.length });
    expect(gunzipSync(sent).toString('utf8')).toBe(result.userData);
    expect(sent.length).toBeLessThan(result.size.document / 2);
    expect(result.instance).toMatchObject({
      label: 'demo-app-prod-abcd1234',
      region: 'us-ord',
      root_pass: 'root-pass-CANARY-1234567890',
      authorized_keys: ['ssh-ed25519 AAAAC3NzaTEST test@example'],
      tags: [
        'build-id:abcd1234',
        'build-app:demo-app',
        'build-env:prod',
        'build-tmpl:demo',
        'gpu',
        'build-expires:2026-01-02T11:05Z', // 11:04:05 rounded up: never cut short
      ],
    });
    expect(result.warnings.filter((w) => w.path === 'deploy.linode.tags')).toHaveLength(2);
    await expect(CreateLinodeSchema.validate(result.instance)).resolves.toBeTruthy();
    await expect(CreateFirewallSchema.validate(result.firewall)).resolves.toBeTruthy();
    expect(result.firewall.rules.inbound_policy).toBe('DROP');
    expect(result.firewall.rules.inbound.map((r) => `${r.protocol}:${r.ports}`)).toEqual([
      'TCP:80',
      'TCP:22',
      'TCP:9090',
      'TCP:8443',
    ]);
    // A private port opens only to the sources it names; one without sources stays closed.
    expect(result.firewall.rules.inbound.at(-1)?.addresses).toEqual({
      ipv4: ['203.0.113.0/24'],
      ipv6: ['2001:db8::/32'],
    });
    expect(result.ports.map((p) => p.port)).toEqual([80, 22, 9090, 8443]);
  });

  it('probes health through the published port, or the container for another port; native probes the host', () => {
    const conf = (result: DeployPlan) =>
      parseUserData(result.userData).files.find((f) => f.path === '/etc/linode-build/app.conf')!.content;
    expect(conf(plan())).toContain('HEALTH_HOST=127.0.0.1\nHEALTH_PORT=80\nHEALTH_PATH=/health\n');
    const other = plan({ health: { ...defaultHealth, port: 9000, path: '/ready me' } });
    expect(conf(other)).toContain('HEALTH_HOST=container\nHEALTH_PORT=9000\nHEALTH_PATH=/ready%20me\n');
    const native = composePlan({
      template: makeTemplate({ runtime: 'native', setupScript: '#!/bin/bash\necho install\n' }),
      dotenv: {},
      context: makeContext(),
      capabilities: [resolved(extra)],
    });
    expect(native.steps.map((s) => s.id)).toEqual(['01-extra-one', '02-setup-script', '03-app-wait-healthy']);
    expect(conf(native)).toContain('RUNTIME=native');
    expect(conf(native)).toContain('HEALTH_HOST=127.0.0.1\nHEALTH_PORT=8000\n');
    expect(conf(native)).not.toContain('IMAGE=');
    expect(native.userData).not.toContain('linode-build-app.service');
  });

  it('is deterministic: same input, same bytes', () => {
    expect(plan().userData).toBe(plan().userData);
    expect(JSON.stringify(plan())).toBe(JSON.stringify(plan()));
  });

  it('fails over the size limit naming the biggest parts, gzipped or not', () => {
    // Incompressible content (hash output) defeats gzip.
    const noise = Array.from({ length: 3000 }, (_, i) =>
      createHash('sha256').update(String(i)).digest('base64'),
    ).join('');
    const blob = {
      setupFiles: [{ path: '/opt/blob', permissions: '0644', owner: 'root:root', content: noise }],
    };
    for (const userDataEncoding of ['gzip', 'plain'] as const) {
      expect(() => plan(blob, {}, { userDataEncoding })).toThrow(/over Linode's limit of 65,535/);
      try {
        plan(blob, {}, { userDataEncoding });
      } catch (error) {
        expect((error as { hint: string }).hint).toMatch(/^Biggest parts: setup \(/);
      }
    }
  });

  it('refuses a document that only fits because it compresses (a pasted blob, not a workload)', () => {
    const huge = {
      setupFiles: [
        { path: '/opt/y', permissions: '0644', owner: 'root:root', content: 'y'.repeat(2_000_000) },
      ],
    };
    expect(() => plan(huge)).toThrow(
      /user-data document is 2,0\d\d,\d{3} bytes, over linode-build's limit of 1,048,576/,
    );
  });

  it('gzips the whole document for Ubuntu 22.04+ images and leaves files inside readable', () => {
    const content = 'y\n'.repeat(5000);
    const setupFiles = [{ path: '/opt/big', permissions: '0644', owner: 'root:root', content }];
    const result = plan({ setupFiles });
    expect(result.size.encoding).toBe('gzip');
    expect(result.userData).not.toContain('encoding: gz+b64');
    expect(parseUserData(result.userData).files.find((f) => f.path === '/opt/big')!.content).toBe(content);
    const sent = Buffer.from(result.instance.metadata.user_data, 'base64');
    expect(gunzipSync(sent).toString('utf8')).toBe(result.userData);
    expect(result.size.total).toBe(sent.length);
    expect(result.size.document).toBe(Buffer.byteLength(result.userData));
    const sum = result.size.parts.reduce((total, part) => total + part.bytes, 0);
    expect(sum).toBe(result.size.document);
    // The default follows the image: only Linode's Ubuntu 22.04 and newer get gzip.
    expect(plan({ setupFiles }, {}, { image: 'linode/ubuntu22.04' }).size.encoding).toBe('gzip');
    expect(plan({ setupFiles }, {}, { image: 'linode/ubuntu20.04' }).size.encoding).toBe('plain');
    expect(plan({ setupFiles }, {}, { image: 'private/12345' }).size.encoding).toBe('plain');
    expect(plan({ setupFiles }, {}, { image: 'linode/debian12' }).size.encoding).toBe('plain');
  });

  it('sends plain text with large files compressed one by one when the image may not unpack gzip', () => {
    const result = plan(
      {
        setupFiles: [
          { path: '/opt/big', permissions: '0644', owner: 'root:root', content: 'y\n'.repeat(5000) },
        ],
      },
      {},
      { image: 'private/12345' },
    );
    expect(result.size.encoding).toBe('plain');
    expect(Buffer.from(result.instance.metadata.user_data, 'base64').toString('utf8')).toBe(result.userData);
    expect(result.userData).toContain('encoding: gz+b64');
    expect(parseUserData(result.userData).files.find((f) => f.path === '/opt/big')!.content).toBe(
      'y\n'.repeat(5000),
    );
    expect(result.size.document).toBe(result.size.total);
    const sum = result.size.parts.reduce((total, part) => total + part.bytes, 0);
    expect(sum).toBe(result.size.total);
    const names = result.size.parts.map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['runner', 'app', 'env', 'docker', 'gpu', 'setup', 'document']),
    );
    const bytes = result.size.parts.map((p) => p.bytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => b - a));
  });

  it('refuses what it cannot run', () => {
    expect(() => plan({ runtime: 'k3s' })).toThrow(/k3s runtime is not supported/);
    expect(() => plan({ container: null })).toThrow(/docker runtime needs deploy.linode.container/);
    expect(() => plan({ container: { image: '--privileged' } })).toThrow(/not a valid image reference/);
    expect(() =>
      plan({
        setupFiles: [
          { path: '/etc/linode-build/app.env', permissions: '0644', owner: 'root:root', content: '' },
        ],
      }),
    ).toThrow(/Two files would be written to \/etc\/linode-build\/app.env/);
    expect(() => plan({ container: { command: 'serve $(id)' } })).toThrow(/command substitution/);
  });
});

describe('labels', () => {
  it('are valid Linode labels at any length and never end or double a separator', () => {
    const long = instanceLabel('My App!!'.repeat(20), 'Production--Env', 'abcd1234');
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).toMatch(/^[a-z0-9](?:[a-z0-9]|[-_.](?![-_.]))*[a-z0-9]$/);
    expect(long.endsWith('-abcd1234')).toBe(true);
    expect(instanceLabel('', '', 'abcd1234')).toBe('app-env-abcd1234');
    const fw = firewallLabel('x'.repeat(40), 'abcd1234');
    expect(fw.length).toBeLessThanOrEqual(32);
    expect(fw.startsWith('lb-abcd1234-')).toBe(true);
  });
});
