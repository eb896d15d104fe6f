import { describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { capabilityKnowledge } from '../../src/capability/knowledge.js';
import { validateTemplate } from '../../src/template/validate.js';
import { BASE_TEMPLATE, errorsOf, validateText, warningsOf } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: tests poke arbitrary YAML shapes.
type Doc = Record<string, any>;

/** The base template with `change` applied to a deep copy of its data. */
function variant(change: (doc: Doc) => void): string {
  const doc = parse(BASE_TEMPLATE) as Doc;
  change(doc);
  return stringify(doc);
}

const container = (doc: Doc) => doc.deploy.linode.container;

describe('the base template', () => {
  test('is valid without warnings and normalised with defaults', () => {
    const { template, diagnostics } = validateText(BASE_TEMPLATE);
    expect(diagnostics).toEqual([]);
    expect(template?.capabilities.features).toEqual([{ name: 'buildwatch', config: {} }]);
    const health = template?.deploy.linode.container?.health;
    expect(health).toMatchObject({
      type: 'http',
      path: '/health',
      port: 8080,
      success_codes: [200],
      initial_delay_seconds: 60,
      timeout_seconds: 5,
      interval_seconds: 10,
      max_retries: 30,
    });
    expect(template?.env.required[0]).toEqual({ name: 'API_KEY', description: 'The key.', secret: true });
    expect(template?.deploy.linode.container?.allow_metadata_access).toBe(false);
  });

  test('minimal template gets documented defaults', () => {
    const { template, diagnostics } = validateText(
      'name: tiny\nversion: 0.1.0\ndeploy:\n  linode:\n    container:\n      image: nginx\n      health: {type: tcp}\n',
    );
    expect(errorsOf(diagnostics)).toEqual([]);
    expect(template?.display_name).toBe('Tiny');
    expect(template?.capabilities.runtime).toBe('docker');
    expect(template?.deploy.linode.image).toBe('linode/ubuntu24.04');
    expect(template?.deploy.linode.container).toMatchObject({
      internal_port: 8000,
      external_port: 80,
      env: {},
      volumes: [],
    });
    expect(template?.deploy.linode.container?.health?.port).toBe(8000);
  });
});

interface RuleCase {
  readonly rule: string;
  readonly bad: (doc: Doc) => void;
  readonly good: (doc: Doc) => void;
  readonly path: string;
  readonly message: RegExp;
}

// Every rule with a failing and a passing variant of the same field.
const rules: RuleCase[] = [
  {
    rule: 'version is semver',
    bad: (d) => (d.version = '1.0'),
    good: (d) => (d.version = '1.0.0-rc.1+build.5'),
    path: 'version',
    message: /not a semantic version/,
  },
  {
    rule: 'version must be quoted text, not a YAML number',
    bad: (d) => (d.version = 1.5),
    good: (d) => (d.version = '1.5.0'),
    path: 'version',
    message: /must be a string, not the number 1\.5/,
  },
  {
    rule: 'env names are identifiers',
    bad: (d) => (d.env.required[0].name = '1BAD-NAME'),
    good: (d) => (d.env.required[0].name = '_GOOD_NAME1'),
    path: 'env.required[0].name',
    message: /invalid value/,
  },
  {
    rule: 'env names are unique across required and optional',
    bad: (d) => (d.env.optional = [{ name: 'API_KEY' }]),
    good: (d) => (d.env.optional = [{ name: 'OTHER_KEY' }]),
    path: 'env.optional[0].name',
    message: /API_KEY is declared twice/,
  },
  {
    rule: 'container env keys are identifiers',
    bad: (d) => (container(d).env = { 'MY-VAR': 'x' }),
    good: (d) => (container(d).env = { MY_VAR: 'x', COUNT: 3 }),
    path: 'deploy.linode.container.env.MY-VAR',
    message: /not a valid name/,
  },
  {
    rule: 'internal_port is 1-65535',
    bad: (d) => (container(d).internal_port = 70000),
    good: (d) => (container(d).internal_port = 65535),
    path: 'deploy.linode.container.internal_port',
    message: /is 70000; it must be from 1 to 65535/,
  },
  {
    rule: 'external_port is 1-65535',
    bad: (d) => (container(d).external_port = 0),
    good: (d) => (container(d).external_port = 1),
    path: 'deploy.linode.container.external_port',
    message: /from 1 to 65535/,
  },
  {
    rule: 'health.port is 1-65535',
    bad: (d) => (container(d).health.port = 99999),
    good: (d) => (container(d).health.port = 8080),
    path: 'deploy.linode.container.health.port',
    message: /from 1 to 65535/,
  },
  {
    rule: 'ports are integers',
    bad: (d) => (container(d).internal_port = '8080'),
    good: (d) => (container(d).internal_port = 8080),
    path: 'deploy.linode.container.internal_port',
    message: /must be a integer|must be an? integer/,
  },
  {
    rule: 'gpu-nvidia needs a GPU plan',
    bad: (d) => d.capabilities.features.push('gpu-nvidia'),
    good: (d) => {
      d.capabilities.features.push('gpu-nvidia');
      d.deploy.linode.type_default = 'g2-gpu-rtx4000a1-s';
    },
    path: 'deploy.linode.type_default',
    message: /needs a GPU plan, but 'g6-standard-2' has no GPU/,
  },
  {
    rule: 'runtime docker needs a container image',
    bad: (d) => delete container(d).image,
    good: (d) => (container(d).image = 'ghcr.io/acme/app:1.2'),
    path: 'deploy.linode.container.image',
    message: /runtime docker needs a container image/,
  },
  {
    rule: 'runtime docker needs a container section',
    bad: (d) => delete d.deploy.linode.container,
    good: (d) => {
      d.capabilities.runtime = 'native';
      delete d.deploy.linode.container;
      d.setup = { script: '#!/bin/bash\necho hi\n' };
    },
    path: 'deploy.linode.container',
    message: /needs a container image/,
  },
  {
    rule: 'k3s is rejected clearly',
    bad: (d) => (d.capabilities.runtime = 'k3s'),
    good: (d) => (d.capabilities.runtime = 'docker'),
    path: 'capabilities.runtime',
    message: /runtime 'k3s' is not supported yet/,
  },
  {
    rule: 'name is a safe slug (no slash)',
    bad: (d) => (d.name = 'a/b'),
    good: (d) => (d.name = 'a-b'),
    path: 'name',
    message: /invalid value/,
  },
  {
    rule: 'name is a safe slug (no ..)',
    bad: (d) => (d.name = '..'),
    good: (d) => (d.name = 'x1'),
    path: 'name',
    message: /invalid value/,
  },
  {
    rule: 'name is a safe slug (no absolute path)',
    bad: (d) => (d.name = '/etc/passwd'),
    good: (d) => (d.name = 'etc-passwd'),
    path: 'name',
    message: /invalid value/,
  },
  {
    rule: 'health type http needs a path',
    bad: (d) => delete container(d).health.path,
    good: (d) => (container(d).health = { type: 'tcp' }),
    path: 'deploy.linode.container.health.path',
    message: /http health check needs a path/,
  },
  {
    rule: 'health type exec needs a command',
    bad: (d) => (container(d).health = { type: 'exec' }),
    good: (d) => (container(d).health = { type: 'exec', command: ['true'] }),
    path: 'deploy.linode.container.health.command',
    message: /exec health check needs a command/,
  },
  {
    rule: 'setup.files paths are absolute',
    bad: (d) => (d.setup = { files: [{ path: 'app/main.py', content: 'x' }] }),
    good: (d) => (d.setup = { files: [{ path: '/app/main.py', content: 'x' }] }),
    path: 'setup.files[0].path',
    message: /invalid value "app\/main\.py"/,
  },
  {
    rule: 'setup.files paths have no ..',
    bad: (d) => (d.setup = { files: [{ path: '/app/../etc/shadow', content: 'x' }] }),
    good: (d) => (d.setup = { files: [{ path: '/etc/app.conf', content: 'x' }] }),
    path: 'setup.files[0].path',
    message: /contains '\.\.'/,
  },
  {
    rule: 'setup.files permissions are a quoted octal string',
    bad: (d) => (d.setup = { files: [{ path: '/a', content: 'x', permissions: 644 }] }),
    good: (d) => (d.setup = { files: [{ path: '/a', content: 'x', permissions: '0644' }] }),
    path: 'setup.files[0].permissions',
    message: /must be a string, not the number 644/,
  },
  {
    rule: 'setup.files permissions are octal digits',
    bad: (d) => (d.setup = { files: [{ path: '/a', content: 'x', permissions: '0999' }] }),
    good: (d) => (d.setup = { files: [{ path: '/a', content: 'x', permissions: '0755' }] }),
    path: 'setup.files[0].permissions',
    message: /invalid value "0999"/,
  },
  {
    rule: 'setup.files paths are unique',
    bad: (d) => (d.setup = { files: [{ path: '/a' }, { path: '/a' }] }),
    good: (d) => (d.setup = { files: [{ path: '/a' }, { path: '/b' }] }),
    path: 'setup.files[1].path',
    message: /written twice/,
  },
  {
    rule: 'setup files have content or source, not both',
    bad: (d) => (d.setup = { files: [{ path: '/a', content: 'x', source: 'a.txt' }] }),
    good: (d) => (d.setup = { files: [{ path: '/a', source: 'a.txt' }] }),
    path: 'setup.files[0]',
    message: /both content and source/,
  },
  {
    rule: 'setup file source stays inside the template directory',
    bad: (d) => (d.setup = { files: [{ path: '/a', source: '../secret.txt' }] }),
    good: (d) => (d.setup = { files: [{ path: '/a', source: 'files/a.txt' }] }),
    path: 'setup.files[0].source',
    message: /invalid value/,
  },
  {
    rule: 'setup file source may not name secrets or project files',
    bad: (d) => (d.setup = { files: [{ path: '/app/.env', source: '.env' }] }),
    good: (d) => (d.setup = { files: [{ path: '/app/.env', source: 'files/app.env' }] }),
    path: 'setup.files[0].source',
    message: /names a file linode-build manages or never copies/,
  },
  {
    rule: 'lifetime format',
    bad: (d) => (d.lifetime = '8 hours'),
    good: (d) => (d.lifetime = '8h'),
    path: 'lifetime',
    message: /^lifetime '8 hours' is not a duration like 30m, 8h, 2d or 1w$/,
  },
  {
    rule: 'lifetime minimum, the same as --ttl',
    bad: (d) => (d.lifetime = '5m'),
    good: (d) => (d.lifetime = '1w'),
    path: 'lifetime',
    message: /^lifetime '5m' is shorter than the minimum, 10m$/,
  },
  {
    rule: 'lifetime in seconds',
    bad: (d) => (d.lifetime = '30s'),
    good: (d) => (d.lifetime = '1h30m'),
    path: 'lifetime',
    message: /^lifetime '30s' is in seconds; the shortest lifetime is 10m$/,
  },
  {
    rule: 'unknown capability',
    bad: (d) => d.capabilities.features.push('gpu-nvida'),
    good: (d) => d.capabilities.features.push('redis'),
    path: 'capabilities.features[1]',
    message: /unknown capability 'gpu-nvida' \(did you mean 'gpu-nvidia'\?\)/,
  },
  {
    rule: 'a capability listed twice',
    bad: (d) => d.capabilities.features.push({ name: 'buildwatch', config: {} }),
    good: (d) => (d.capabilities.features = [{ name: 'buildwatch', config: { port: 9090 } }]),
    path: 'capabilities.features[1]',
    message: /listed twice/,
  },
  {
    rule: 'unknown key with a suggestion',
    bad: (d) => (container(d).imgae = 'x'),
    good: (d) => (container(d).image = 'x'),
    path: 'deploy.linode.container.imgae',
    message: /unknown field 'imgae' in deploy\.linode\.container \(did you mean 'image'\?\)/,
  },
  {
    rule: 'deploy.target is linode',
    bad: (d) => (d.deploy.target = 'aws'),
    good: (d) => (d.deploy.target = 'linode'),
    path: 'deploy.target',
    message: /must be one of linode/,
  },
  {
    rule: 'volumes are source:/absolute[:ro|rw]',
    bad: (d) => (container(d).volumes = ['data']),
    good: (d) => (container(d).volumes = ['data:/data', '/srv:/srv:ro']),
    path: 'deploy.linode.container.volumes[0]',
    message: /invalid value "data"/,
  },
  {
    rule: 'firewall ports are a port or ascending range',
    bad: (d) => (d.deploy.linode.firewall = { inbound: [{ ports: '9000-8000' }] }),
    good: (d) => (d.deploy.linode.firewall = { inbound: [{ ports: '8000-9000' }] }),
    path: 'deploy.linode.firewall.inbound[0].ports',
    message: /ascending range/,
  },
  {
    rule: 'packages are Debian package names',
    bad: (d) => (d.capabilities.packages = ['curl; rm -rf /']),
    good: (d) => (d.capabilities.packages = ['curl', 'jq=1.7.1-3build1']),
    path: 'capabilities.packages[0]',
    message: /invalid value/,
  },
  {
    rule: 'success codes are HTTP statuses',
    bad: (d) => (container(d).health.success_codes = [42]),
    good: (d) => (container(d).health.success_codes = [200, 204]),
    path: 'deploy.linode.container.health.success_codes[0]',
    message: /from 100 to 599/,
  },
  {
    rule: 'required fields',
    bad: (d) => delete d.name,
    good: (d) => (d.name = 'demo'),
    path: 'name',
    message: /missing the required field 'name'/,
  },
  {
    rule: 'replicas is 1-20',
    bad: (d) => (d.deploy.linode.replicas = 21),
    good: (d) => (d.deploy.linode.replicas = 20),
    path: 'deploy.linode.replicas',
    message: /is 21; it must be from 1 to 20/,
  },
  {
    rule: 'replicas is a whole number',
    bad: (d) => (d.deploy.linode.replicas = 2.5),
    good: (d) => (d.deploy.linode.replicas = 2),
    path: 'deploy.linode.replicas',
    message: /integer|whole/,
  },
  {
    rule: 'several replicas need an http health check (the NodeBalancer checks each backend on it)',
    bad: (d) => {
      d.deploy.linode.replicas = 3;
      container(d).health = { type: 'tcp' };
    },
    good: (d) => {
      d.deploy.linode.replicas = 3;
      container(d).health = { type: 'http', path: '/health' };
    },
    path: 'deploy.linode.replicas',
    message: /needs an http health check/,
  },
  {
    rule: 'app_name is a slug',
    bad: (d) => (d.app_name = 'My App'),
    good: (d) => (d.app_name = 'my-app'),
    path: 'app_name',
    message: /invalid value/,
  },
];

describe.each(rules)('rule: $rule', ({ bad, good, path, message }) => {
  test('fails with a located, actionable error', () => {
    const { template, diagnostics } = validateText(variant(bad));
    expect(template).toBeUndefined();
    const error = errorsOf(diagnostics).find((d) => d.path === path);
    expect(error, JSON.stringify(diagnostics, null, 2)).toBeDefined();
    expect(error!.message).toMatch(message);
    expect(error!.hint).toBeTruthy();
    expect(error!.line).toBeGreaterThan(0);
    expect(error!.column).toBeGreaterThan(0);
  });

  test('passes when corrected', () => {
    const { template, diagnostics } = validateText(variant(good));
    expect(errorsOf(diagnostics)).toEqual([]);
    expect(template).toBeDefined();
  });
});

test.each([
  '.env',
  './.env',
  '.env.production',
  '.git/config',
  '.linode/state.json',
  'deploy.yml',
  'README.md',
])('reserved source %s is refused', (source) => {
  const text = variant((d) => (d.setup = { files: [{ path: '/x', source }] }));
  expect(errorsOf(validateText(text).diagnostics).map((d) => d.path)).toContain('setup.files[0].source');
});

describe('warnings', () => {
  test('deprecated requires_gpu warns and says what to use', () => {
    const { template, diagnostics } = validateText(variant((d) => (container(d).requires_gpu = true)));
    expect(template).toBeDefined();
    const warning = warningsOf(diagnostics).find((d) => d.path.endsWith('requires_gpu'));
    expect(warning?.message).toMatch(/deprecated/);
    expect(warning?.hint).toMatch(/features/);
  });

  test('gpu-nvidia on a non-Ubuntu image warns', () => {
    const text = variant((d) => {
      d.capabilities.features.push('gpu-nvidia');
      d.deploy.linode.type_default = 'g1-gpu-rtx6000-1';
      d.deploy.linode.image = 'linode/debian12';
    });
    const { template, diagnostics } = validateText(text);
    expect(template).toBeDefined();
    expect(warningsOf(diagnostics).map((d) => d.path)).toContain('deploy.linode.image');
    const ubuntu = validateText(text.replace('linode/debian12', 'linode/ubuntu22.04'));
    expect(warningsOf(ubuntu.diagnostics)).toEqual([]);
  });

  test('a deprecated capability alias warns and is normalised to its replacement', () => {
    const { template, diagnostics } = validateText(variant((d) => d.capabilities.features.push('nodejs-18')));
    expect(template?.capabilities.features.map((f) => f.name)).toEqual(['buildwatch', 'nodejs-20']);
    expect(warningsOf(diagnostics)[0]?.message).toMatch(/'nodejs-18' is deprecated; 'nodejs-20'/);
  });

  test('health.port set to the external port warns that it means the container port', () => {
    const { diagnostics } = validateText(variant((d) => (container(d).health.port = 80)));
    expect(warningsOf(diagnostics)[0]?.message).toMatch(/inside the container/);
  });

  test('no health check warns (docker runtime)', () => {
    const { template, diagnostics } = validateText(variant((d) => delete container(d).health));
    expect(template).toBeDefined();
    expect(warningsOf(diagnostics)[0]?.message).toMatch(/no health check/);
  });
});

describe('reporting', () => {
  test('all errors are reported at once, in file order', () => {
    const text = variant((d) => {
      d.version = 'one';
      container(d).internal_port = 0;
      d.env.required[0].name = 'bad name';
      d.extra = true;
    });
    const errors = errorsOf(validateText(text).diagnostics);
    expect(errors.map((d) => d.path).sort()).toEqual(
      ['version', 'deploy.linode.container.internal_port', 'env.required[0].name', 'extra'].sort(),
    );
    const lines = errors.map((d) => d.line!);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  test('an unknown top-level key points at the key', () => {
    const text = `${BASE_TEMPLATE}guidence:\n  summary: hi\n`;
    const [error] = errorsOf(validateText(text).diagnostics);
    expect(error).toMatchObject({ path: 'guidence', line: 27, column: 1 });
    expect(error?.message).toMatch(/did you mean 'guidance'/);
  });

  test('a bad value points at the value', () => {
    const text = BASE_TEMPLATE.replace('internal_port: 8080', 'internal_port: 123456');
    const [error] = errorsOf(validateText(text).diagnostics);
    expect(error).toMatchObject({ line: 17, column: 22, file: 'template.yml' });
  });

  test('non-mapping documents are rejected clearly', () => {
    for (const raw of [null, [1, 2], 'text', 42]) {
      const result = validateTemplate(raw, { file: 'x.yml', ...capabilityKnowledge() });
      expect(result.template).toBeUndefined();
      expect(result.diagnostics[0]?.message).toMatch(/must be a YAML mapping/);
    }
  });

  test('validation is pure: the same input gives the same output, input untouched', () => {
    const raw = parse(BASE_TEMPLATE) as Doc;
    const snapshot = structuredClone(raw);
    const options = { file: 'a.yml', ...capabilityKnowledge() };
    expect(validateTemplate(raw, options)).toEqual(validateTemplate(raw, options));
    expect(raw).toEqual(snapshot);
  });
});
