import { describe, expect, it } from 'vitest';
import { defineCapability } from '../../src/capability/define.js';
import { resolveCapabilities, resolveWithSet } from '../../src/capability/resolve.js';
import { createCapabilitySet } from '../../src/capability/set.js';
import type { Diagnostic } from '../../src/template/types.js';
import { makeTemplate, resolveContextOf, type TemplateInput } from './fixtures.js';

function resolve(input: TemplateInput) {
  const template = makeTemplate(input);
  return resolveCapabilities(template, resolveContextOf(template));
}

const names = (result: ReturnType<typeof resolve>) => result.capabilities.map((c) => c.definition.name);
const errors = (result: ReturnType<typeof resolve>) =>
  result.diagnostics.filter((d) => d.severity === 'error');
const warnings = (result: ReturnType<typeof resolve>) =>
  result.diagnostics.filter((d) => d.severity === 'warning');
const oneError = (result: ReturnType<typeof resolve>): Diagnostic => {
  const found = errors(result);
  expect(found, JSON.stringify(result.diagnostics)).toHaveLength(1);
  return found[0]!;
};

describe('order', () => {
  it('puts the runtime first, then features in declaration order', () => {
    const result = resolve({ runtime: 'docker', features: ['redis', 'buildwatch', 'python-3.12'] });
    expect(errors(result)).toEqual([]);
    expect(names(result)).toEqual(['docker', 'redis', 'buildwatch', 'python-3.12']);
  });

  it('keeps declaration order among independent features', () => {
    const result = resolve({ runtime: 'native', features: ['python-3.12', 'nodejs-22', 'redis'] });
    expect(names(result)).toEqual(['native', 'python-3.12', 'nodejs-22', 'redis']);
  });

  it('moves a dependency before its dependent even when declared later', () => {
    const result = resolve({
      runtime: 'native',
      features: ['gpu-nvidia', 'docker'],
      type: 'g2-gpu-rtx4000a1-s',
    });
    expect(errors(result)).toEqual([]);
    expect(names(result)).toEqual(['native', 'docker', 'gpu-nvidia']);
  });

  it('installs capabilities.packages last', () => {
    const result = resolve({ runtime: 'docker', features: ['redis'], packages: ['htop', 'jq'] });
    expect(names(result)).toEqual(['docker', 'redis', 'packages']);
    expect(result.capabilities.at(-1)?.config).toEqual({ packages: ['htop', 'jq'] });
  });

  it('does not add the packages capability when the list is empty', () => {
    expect(names(resolve({ runtime: 'docker' }))).toEqual(['docker']);
  });
});

describe('requires', () => {
  it('adds docker for gpu-nvidia with the docker runtime, and the toolkit is configured for Docker', () => {
    const result = resolve({ runtime: 'native', features: ['docker-optimize'] });
    expect(names(result)).toEqual(['native', 'docker', 'docker-optimize']);
    const docker = result.capabilities.find((c) => c.definition.name === 'docker');
    expect(docker?.addedBy).toBe('docker-optimize');
    expect(result.capabilities.find((c) => c.definition.name === 'docker-optimize')?.dependsOn).toEqual([
      'docker',
    ]);
  });

  it('gpu-nvidia without docker on a native runtime adds nothing', () => {
    const result = resolve({ runtime: 'native', features: ['gpu-nvidia'], type: 'g2-gpu-rtx4000a1-s' });
    expect(errors(result)).toEqual([]);
    expect(names(result)).toEqual(['native', 'gpu-nvidia']);
  });

  it('records runtime-dependent requirements in dependsOn', () => {
    const result = resolve({
      runtime: 'docker',
      features: ['gpu-nvidia', 'redis'],
      type: 'g2-gpu-rtx4000a1-s',
    });
    const gpu = result.capabilities.find((c) => c.definition.name === 'gpu-nvidia');
    expect(gpu?.dependsOn).toEqual(['docker']);
    expect(result.capabilities.find((c) => c.definition.name === 'docker')?.addedBy).toBe('template');
  });
});

describe('dedup', () => {
  it('keeps one entry for a feature listed twice, with a warning', () => {
    const result = resolve({ features: ['redis', 'buildwatch', 'redis'] });
    expect(names(result)).toEqual(['docker', 'redis', 'buildwatch']);
    expect(errors(result)).toEqual([]);
    expect(warnings(result)).toEqual([
      expect.objectContaining({
        path: 'capabilities.features[2]',
        message: expect.stringContaining('listed twice'),
      }),
    ]);
  });

  it('rejects the same feature twice with different config, naming both entries', () => {
    const result = resolve({
      features: [
        { name: 'redis', config: { maxmemory: '1gb' } },
        { name: 'redis', config: { maxmemory: '2gb' } },
      ],
    });
    const error = oneError(result);
    expect(error.path).toBe('capabilities.features[1]');
    expect(error.message).toContain('capabilities.features[0]');
  });

  it('treats the runtime listed as a feature as its config', () => {
    const result = resolve({
      runtime: 'docker',
      features: [{ name: 'docker', config: { log_max_file: 7 } }],
    });
    expect(result.diagnostics).toEqual([]);
    expect(names(result)).toEqual(['docker']);
    expect(result.capabilities[0]?.config).toEqual({ log_max_size: '10m', log_max_file: 7 });
  });

  it('warns when the runtime is listed again without config', () => {
    const result = resolve({ runtime: 'docker', features: ['docker'] });
    expect(names(result)).toEqual(['docker']);
    expect(warnings(result)[0]?.message).toContain('already the runtime');
  });

  it('installs a package listed twice once, with a warning at the repeat', () => {
    const result = resolve({ packages: ['htop', 'jq', 'htop'] });
    expect(result.capabilities.at(-1)?.config).toEqual({ packages: ['htop', 'jq'] });
    expect(warnings(result)[0]?.path).toBe('capabilities.packages[2]');
  });
});

describe('names', () => {
  it('reports an unknown capability with a suggestion', () => {
    const error = oneError(resolve({ features: ['redis-server'] }));
    expect(error.path).toBe('capabilities.features[0]');
    expect(error.message).toBe("unknown capability 'redis-server' (did you mean 'redis'?)");
    expect(error.hint).toContain('gpu-nvidia');
  });

  it('suggests for typos of versioned names', () => {
    expect(oneError(resolve({ features: ['postgresql-61'] })).message).toContain(
      "did you mean 'postgresql-16'",
    );
  });

  it('resolves the deprecated nodejs-18 to nodejs-20, itself end of life, with both warnings', () => {
    const result = resolve({ runtime: 'native', features: ['nodejs-18'] });
    expect(names(result)).toEqual(['native', 'nodejs-20']);
    expect(errors(result)).toEqual([]);
    expect(warnings(result)).toEqual([
      expect.objectContaining({
        path: 'capabilities.features[0]',
        message: "capability 'nodejs-18' is deprecated; using 'nodejs-20'",
      }),
      expect.objectContaining({
        path: 'capabilities.features[0]',
        message: "capability 'nodejs-20' is deprecated: Node.js 20 reached end of life on 2026-04-30",
        hint: 'use nodejs-22 or nodejs-24',
      }),
    ]);
  });

  it('offers Node.js 22 and 24 without a warning, on Ubuntu 26.04 too', () => {
    for (const image of ['linode/ubuntu22.04', 'linode/ubuntu24.04', 'linode/ubuntu26.04']) {
      for (const feature of ['nodejs-22', 'nodejs-24']) {
        const result = resolve({ runtime: 'native', features: [feature], image });
        expect(names(result), `${feature} on ${image}`).toEqual(['native', feature]);
        expect(result.diagnostics, `${feature} on ${image}`).toEqual([]);
      }
    }
  });

  it('rejects the packages pseudo-capability and other runtimes as features', () => {
    expect(oneError(resolve({ features: ['packages'] })).hint).toContain('capabilities.packages');
    const native = oneError(resolve({ runtime: 'docker', features: ['native'] }));
    expect(native.message).toContain('is a runtime');
    expect(native.hint).toContain('capabilities.runtime: native');
  });

  it('rejects an unsupported runtime such as k3s at capabilities.runtime', () => {
    const error = oneError(resolve({ runtime: 'k3s' }));
    expect(error.path).toBe('capabilities.runtime');
    expect(error.message).toContain("runtime 'k3s' is not supported");
    expect(error.hint).toContain('docker');
  });
});

describe('conflicts and compatibility', () => {
  it('reports two PostgreSQL versions as a conflict naming both sides', () => {
    const error = oneError(resolve({ features: ['postgresql-14', 'redis', 'postgresql-16'] }));
    expect(error.path).toBe('capabilities.features[2]');
    expect(error.message).toBe("'postgresql-16' conflicts with 'postgresql-14' (capabilities.features[0])");
  });

  it('reports two Node.js versions as a conflict', () => {
    const error = oneError(resolve({ runtime: 'native', features: ['nodejs-22', 'nodejs-18'] }));
    expect(error.message).toContain("'nodejs-20' conflicts with 'nodejs-22'");
    const newest = oneError(resolve({ runtime: 'native', features: ['nodejs-24', 'nodejs-22'] }));
    expect(newest.message).toContain("'nodejs-22' conflicts with 'nodejs-24'");
  });

  it('rejects a capability on an image it does not support, naming both', () => {
    const error = oneError(
      resolve({ features: ['gpu-nvidia'], image: 'linode/debian12', type: 'g2-gpu-rtx4000a1-s' }),
    );
    expect(error.path).toBe('capabilities.features[0]');
    expect(error.message).toContain("'gpu-nvidia'");
    expect(error.message).toContain("'linode/debian12'");
    expect(error.hint).toContain('linode/ubuntu22.04');
  });

  it('accepts every built-in capability on Ubuntu 26.04', () => {
    const image = 'linode/ubuntu26.04';
    const docker = resolve({
      features: ['gpu-nvidia', 'docker-optimize', 'redis', 'postgresql-16', 'python-3.12', 'buildwatch'],
      image,
      type: 'g2-gpu-rtx4000a1-s',
    });
    expect(docker.diagnostics).toEqual([]);
    for (const feature of ['postgresql-14', 'postgresql-15', 'python-3.10', 'python-3.11', 'nodejs-24']) {
      const result = resolve({ runtime: 'native', features: [feature], image });
      expect(result.diagnostics, feature).toEqual([]);
    }
  });

  it('rejects Python versions Debian 12 does not ship, naming the images that have them', () => {
    for (const feature of ['python-3.10', 'python-3.12']) {
      const error = oneError(resolve({ runtime: 'native', features: [feature], image: 'linode/debian12' }));
      expect(error.message).toBe(
        `'${feature}' does not support image 'linode/debian12' (deploy.linode.image)`,
      );
      expect(error.hint).toBe(
        `use image linode/ubuntu22.04 or linode/ubuntu24.04 or linode/ubuntu26.04, or remove '${feature}'`,
      );
    }
  });

  it('rejects a capability on a runtime it does not support, naming both', () => {
    const error = oneError(resolve({ runtime: 'native', features: ['buildwatch'] }));
    expect(error.message).toBe("'buildwatch' needs runtime docker, but capabilities.runtime is 'native'");
    expect(error.hint).toContain('capabilities.runtime: docker');
  });

  it('refuses gpu-nvidia on a standard plan, and warns when a GPU plan has no driver', () => {
    const standard = resolve({ features: ['gpu-nvidia'], type: 'g6-standard-8' });
    expect(errors(standard)[0]?.message).toContain("'g6-standard-8' has no GPU");
    expect(errors(standard)[0]?.hint).toContain('g2-gpu-');
    expect(errors(resolve({ features: ['gpu-nvidia'], type: 'g1-gpu-rtx6000-1' }))).toEqual([]);
    const gpuPlan = resolve({ features: ['redis'], type: 'g2-gpu-rtx4000a1-s' });
    expect(warnings(gpuPlan)[0]?.message).toContain('gpu-nvidia is not enabled');
  });
});

describe('config', () => {
  it('applies schema defaults, including nested ones', () => {
    const result = resolve({ features: ['buildwatch'] });
    expect(result.capabilities.find((c) => c.definition.name === 'buildwatch')?.config).toEqual({
      port: 9090,
      crash_loop_count: 3,
      crash_loop_window_seconds: 300,
      slow_start_seconds: 600,
      retention: { events: 10000, issues: 1000, days: 7 },
      allowed_sources: [],
      enable_metrics: true,
      gpu: { interval_seconds: 15 },
      node: {},
    });
  });

  it('reports an unknown key at its path with a suggestion and the valid keys', () => {
    const error = oneError(resolve({ features: ['redis', { name: 'buildwatch', config: { prot: 9091 } }] }));
    expect(error.path).toBe('capabilities.features[1].config.prot');
    expect(error.message).toBe(
      "unknown config key 'prot' for capability 'buildwatch' (did you mean 'port'?)",
    );
    expect(error.hint).toContain('crash_loop_count');
  });

  it('reports a wrong type at its path with what was given', () => {
    const error = oneError(resolve({ features: [{ name: 'buildwatch', config: { port: 'http' } }] }));
    expect(error.path).toBe('capabilities.features[0].config.port');
    expect(error.message).toBe('must be an integer, got "http"');
    expect(error.hint).toContain('HTTP API');
  });

  it('reports nested and range errors with the full path', () => {
    const error = oneError(
      resolve({ features: [{ name: 'buildwatch', config: { retention: { days: 0 } } }] }),
    );
    expect(error.path).toBe('capabilities.features[0].config.retention.days');
    expect(error.message).toContain('must be >= 1');
  });

  it("takes buildwatch's Node source override only whole: URL and sha256 together, both well-formed", () => {
    const node = (value: Record<string, string>) =>
      resolve({ features: [{ name: 'buildwatch', config: { node: value } }] });
    const sha256 = 'a'.repeat(64);
    const whole = node({ url: 'http://127.0.0.1:3142/files/node.tar.gz', sha256 });
    expect(whole.capabilities.find((c) => c.definition.name === 'buildwatch')?.config).toMatchObject({
      node: { url: 'http://127.0.0.1:3142/files/node.tar.gz', sha256 },
    });
    expect(oneError(node({ url: 'https://mirror.example/node.tar.xz' })).message).toContain('sha256');
    expect(oneError(node({ sha256 })).message).toContain('url');
    expect(oneError(node({ url: 'https://m.example/x.tar.xz', sha256: 'A'.repeat(64) })).path).toBe(
      'capabilities.features[0].config.node.sha256',
    );
    for (const url of ['ftp://m.example/x.tar.xz', "https://m.example/x'$(id)", 'https://m.example/a b']) {
      expect(oneError(node({ url, sha256 })).path, url).toBe('capabilities.features[0].config.node.url');
    }
  });

  it('reports every config error at once', () => {
    const result = resolve({
      features: [
        { name: 'redis', config: { maxmemory: 'lots', maxmemory_policy: 'allkeys-lru ', extra: 1 } },
      ],
    });
    expect(errors(result).map((e) => e.path)).toEqual([
      'capabilities.features[0].config.extra',
      'capabilities.features[0].config.maxmemory',
      'capabilities.features[0].config.maxmemory_policy',
    ]);
    expect(errors(result)[2]?.message).toContain("did you mean 'allkeys-lru'");
  });

  it('says a capability without settings takes no config', () => {
    const error = oneError(
      resolve({ runtime: 'native', features: [{ name: 'nodejs-22', config: { version: 22 } }] }),
    );
    expect(error.hint).toBe("'nodejs-22' takes no config; remove the config block");
  });

  it('validates capabilities.packages names at their own index', () => {
    const error = oneError(resolve({ packages: ['htop', 'htop', 'bad;name'] }));
    expect(error.path).toBe('capabilities.packages[2]');
    expect(error.message).toContain('invalid format');
  });

  it('does not modify the template and gives the same result twice', () => {
    const template = makeTemplate({ features: [{ name: 'buildwatch', config: { port: 9999 } }, 'redis'] });
    const before = JSON.stringify(template);
    const first = resolveCapabilities(template, resolveContextOf(template));
    const second = resolveCapabilities(template, resolveContextOf(template));
    expect(JSON.stringify(template)).toBe(before);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });
});

describe('resolver against a custom capability set', () => {
  const plain = (name: string, requires: string[] = []) =>
    defineCapability({
      name,
      kind: name === 'base' ? 'runtime' : 'feature',
      summary: name,
      description: name,
      configSchema: { type: 'object', additionalProperties: false, properties: {} },
      example: '',
      requires: () => requires,
      fragments: () => ({}),
    });

  it('reports a dependency cycle instead of looping', () => {
    const set = createCapabilitySet([plain('base'), plain('a', ['b']), plain('b', ['a'])]);
    const template = makeTemplate({ features: ['a'] });
    const result = resolveWithSet(set, template, {
      image: 'x',
      type: 'y',
      runtime: 'base' as 'docker',
    });
    expect(result.diagnostics.map((d) => d.message).join('\n')).toContain('cycle: a → b → a');
  });

  it('reports a requirement that does not exist as a definition bug', () => {
    const set = createCapabilitySet([plain('base'), plain('a', ['ghost'])]);
    const result = resolveWithSet(set, makeTemplate({ features: ['a'] }), {
      image: 'x',
      type: 'y',
      runtime: 'base' as 'docker',
    });
    expect(result.diagnostics[0]?.message).toContain("requires 'ghost', which does not exist");
  });

  it('pulls transitive requirements in before their dependents', () => {
    const set = createCapabilitySet([
      plain('base'),
      plain('top', ['mid']),
      plain('mid', ['low']),
      plain('low'),
    ]);
    const result = resolveWithSet(set, makeTemplate({ features: ['top'] }), {
      image: 'x',
      type: 'y',
      runtime: 'base' as 'docker',
    });
    expect(result.capabilities.map((c) => c.definition.name)).toEqual(['base', 'low', 'mid', 'top']);
    expect(result.capabilities.map((c) => c.addedBy)).toEqual(['template', 'mid', 'top', 'template']);
  });
});
