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
    });
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
});
