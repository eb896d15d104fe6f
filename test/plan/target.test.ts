import { describe, expect, it } from 'vitest';
import { deploymentTarget } from '../../src/plan/target.js';
import type { Template } from '../../src/template/types.js';
import { makeTemplate } from './fixtures.js';

const now = new Date('2026-11-23T10:00:00Z');

function template(
  extra: Partial<Template> = {},
  linode: Partial<Template['deploy']['linode']> = {},
): Template {
  const base = makeTemplate({ name: 'demo' });
  return {
    ...base,
    ...extra,
    deploy: {
      ...base.deploy,
      linode: { ...base.deploy.linode, region_default: 'us-ord', type_default: 'g6-standard-2', ...linode },
    },
  };
}

describe('deploymentTarget', () => {
  it('uses the template defaults, and init --app-name (app_name) over the template name', () => {
    expect(deploymentTarget(template(), {}, now)).toEqual({
      region: 'us-ord',
      type: 'g6-standard-2',
      image: 'linode/ubuntu24.04',
      appName: 'demo',
      envName: 'default',
      userDataEncoding: 'gzip',
      replicas: 1,
      origins: { region: 'template', type: 'template', image: 'template' },
    });
    expect(deploymentTarget(template({ app_name: 'my-chat' }), {}, now).appName).toBe('my-chat');
  });

  it('lets flags win over everything', () => {
    const target = deploymentTarget(
      template({ app_name: 'my-chat', lifetime: '2d' }),
      {
        region: 'de-fra-2',
        type: 'g2-gpu-rtx4000a1-s',
        image: 'linode/ubuntu22.04',
        appName: 'x',
        envName: 'prod',
        ttl: '90m',
        userDataEncoding: 'plain',
      },
      now,
    );
    expect(target).toEqual({
      region: 'de-fra-2',
      type: 'g2-gpu-rtx4000a1-s',
      image: 'linode/ubuntu22.04',
      appName: 'x',
      envName: 'prod',
      expiresAt: new Date('2026-11-23T11:30:00Z'),
      userDataEncoding: 'plain',
      replicas: 1,
      origins: { region: 'flag', type: 'flag', image: 'flag' },
    });
  });

  it("falls back to linode-cli's defaults only where the template has no value, then to the built-in image", () => {
    const cli = {
      region: 'us-east',
      type: 'g6-nanode-1',
      image: 'linode/debian12',
      file: '/h/.config/linode-cli',
    };
    const open = template({}, { region_default: undefined, type_default: undefined, imageIsDefault: true });
    expect(deploymentTarget(open, {}, now, 'deploy.yml', cli)).toMatchObject({
      region: 'us-east',
      type: 'g6-nanode-1',
      image: 'linode/debian12',
      origins: { region: 'linode-cli default', type: 'linode-cli default', image: 'linode-cli default' },
    });
    expect(deploymentTarget(template(), {}, now, 'deploy.yml', cli)).toMatchObject({
      region: 'us-ord',
      image: 'linode/ubuntu24.04',
      origins: { region: 'deploy.yml', type: 'deploy.yml', image: 'deploy.yml' },
    });
    expect(
      deploymentTarget(open, { region: 'de-fra-2', type: 'g6-standard-1' }, now, 'deploy.yml', {}),
    ).toMatchObject({
      region: 'de-fra-2',
      image: 'linode/ubuntu24.04',
      origins: { region: 'flag', image: 'built-in default' },
    });
    // Neither template nor linode-cli: the error says both ways to set it.
    expect(() => deploymentTarget(open, {}, now, 'deploy.yml', {})).toThrow(
      'no region: deploy.yml has no region_default.',
    );
    expect(() => deploymentTarget(open, {}, now, 'deploy.yml', { ...cli, type: 'g6 standard' })).toThrow(
      `the default type "g6 standard" in linode-cli's config (/h/.config/linode-cli) is not valid.`,
    );
  });

  it('takes the expiry from lifetime when no --ttl is given', () => {
    expect(deploymentTarget(template({ lifetime: '8h' }), {}, now).expiresAt).toEqual(
      new Date('2026-11-23T18:00:00Z'),
    );
    // Weeks, as the template schema and --ttl allow.
    expect(deploymentTarget(template({ lifetime: '1w' }), {}, now).expiresAt).toEqual(
      new Date('2026-11-30T10:00:00Z'),
    );
  });

  it('names the missing default and the flag that supplies it', () => {
    expect(() =>
      deploymentTarget(template({}, { region_default: undefined }), {}, now, 'deploy.yml'),
    ).toThrow('no region: deploy.yml has no region_default.');
    expect(() => deploymentTarget(template({}, { type_default: undefined }), {}, now)).toThrow(
      /no Linode type/,
    );
    expect(() => deploymentTarget(template(), { ttl: 'soon' }, now)).toThrow(
      "--ttl 'soon' is not a duration like 30m, 8h, 2d or 1w.",
    );
    expect(() => deploymentTarget(template({ lifetime: '5m' }), {}, now)).toThrow(
      "lifetime '5m' is shorter than the minimum, 10m.",
    );
    expect(() => deploymentTarget(template(), { userDataEncoding: 'zip' }, now)).toThrow(
      "--user-data-encoding must be gzip or plain, not 'zip'.",
    );
  });

  it('sends user-data gzipped only to images whose cloud-init unpacks it, unless told', () => {
    const encoding = (image: string, userDataEncoding?: string) =>
      deploymentTarget(template(), { image, userDataEncoding }, now).userDataEncoding;
    expect(encoding('linode/ubuntu24.04')).toBe('gzip');
    expect(encoding('linode/ubuntu22.04')).toBe('gzip');
    expect(encoding('linode/ubuntu26.04')).toBe('gzip');
    expect(encoding('linode/ubuntu20.04')).toBe('plain');
    expect(encoding('private/4242')).toBe('plain');
    expect(encoding('private/4242', 'gzip')).toBe('gzip');
    expect(encoding('linode/ubuntu24.04', 'plain')).toBe('plain');
  });
});

describe('deploymentTarget on a GPU template', () => {
  const gpu = (type_default = 'g2-gpu-rtx4000a1-s') => {
    const base = template({}, { type_default });
    return {
      ...base,
      capabilities: { ...base.capabilities, features: [{ name: 'gpu-nvidia', config: {} }] },
    };
  };

  it('blames --type, not the template, when the flag names a plan without a GPU', () => {
    expect(() => deploymentTarget(gpu(), { type: 'g6-standard-2' }, now)).toThrow(
      "--type 'g6-standard-2' has no GPU, but the template needs one (gpu-nvidia).",
    );
    expect(deploymentTarget(gpu(), { type: 'g1-gpu-rtx6000-1' }, now).type).toBe('g1-gpu-rtx6000-1');
    // Without the flag the template's own type_default is left to the template rules.
    expect(deploymentTarget(gpu('g6-standard-2'), {}, now).type).toBe('g6-standard-2');
  });

  it('takes replicas from --replicas, else deploy.linode.replicas, else 1', () => {
    expect(deploymentTarget(template(), {}, now).replicas).toBe(1);
    expect(deploymentTarget(template({}, { replicas: 3 }), {}, now).replicas).toBe(3);
    expect(deploymentTarget(template({}, { replicas: 3 }), { replicas: 5 }, now).replicas).toBe(5);
    expect(deploymentTarget(template({}, { replicas: 3 }), { replicas: 1 }, now).replicas).toBe(1);
  });

  it('refuses --replicas out of bounds, or on a template the NodeBalancer cannot check', () => {
    for (const bad of [0, 21, 2.5, -1]) {
      expect(() => deploymentTarget(template(), { replicas: bad }, now), String(bad)).toThrow(
        `--replicas ${bad} is not valid`,
      );
    }
    expect(deploymentTarget(template(), { replicas: 20 }, now).replicas).toBe(20);
    const native = {
      ...template(),
      capabilities: { runtime: 'native' as const, features: [], packages: [] },
    };
    expect(() => deploymentTarget(native, { replicas: 2 }, now)).toThrow('needs runtime docker');
    const base = template();
    const container = base.deploy.linode.container!;
    const tcp = {
      ...base,
      deploy: {
        ...base.deploy,
        linode: {
          ...base.deploy.linode,
          container: { ...container, health: { ...container.health!, type: 'tcp' as const } },
        },
      },
    };
    expect(() => deploymentTarget(tcp, { replicas: 2 }, now)).toThrow('needs an http health check');
    // One replica is today's single instance: any template may have it.
    expect(deploymentTarget(native, { replicas: 1 }, now).replicas).toBe(1);
  });
});
