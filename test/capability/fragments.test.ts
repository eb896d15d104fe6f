import { describe, expect, it } from 'vitest';
import { getCapability } from '../../src/capability/set.js';
import { capabilityContext, composeFragments, everyCombination, makeTemplate } from './fixtures.js';

const FINGERPRINT = /^[0-9A-F]{40}$/;

describe('fragments of every capability in every supported combination', () => {
  const combinations = everyCombination();

  it('covers a useful number of combinations', () => {
    expect(combinations.length).toBeGreaterThan(40);
  });

  it('resolve without errors, and fragments are well-formed', () => {
    for (const input of combinations) {
      const label = JSON.stringify(input);
      const { resolution, fragments } = composeFragments(input);
      expect(
        resolution.diagnostics.filter((d) => d.severity === 'error'),
        label,
      ).toEqual([]);
      for (const [name, fragment] of fragments) {
        const where = `${name} in ${label}`;
        const stepNames = (fragment.steps ?? []).map((step) => step.name);
        expect(new Set(stepNames).size, `${where}: step names must be unique`).toBe(stepNames.length);
        for (const step of fragment.steps ?? []) {
          expect(step.name, where).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
          expect(step.script, `${where}/${step.name}`).toMatch(/^#!(\/usr\/bin\/env bash|\/bin\/bash)\n/);
          expect(step.script, `${where}/${step.name}`).toContain('\nset -euo pipefail\n');
          for (const [key, value] of Object.entries(step.env ?? {})) {
            expect(key, where).toMatch(/^[A-Z][A-Z0-9_]*$/);
            expect(typeof value, `${where}: ${key}`).toBe('string');
          }
        }
        for (const file of fragment.writeFiles ?? []) {
          expect(file.path, where).toMatch(/^\/[A-Za-z0-9._/-]+$/);
          expect(file.permissions, where).toMatch(/^0[0-7]{3}$/);
          expect(file.owner, where).toMatch(/^[a-z_][a-z0-9_-]*:[a-z_][a-z0-9_-]*$/);
        }
        for (const source of fragment.aptSources ?? []) {
          expect(source.source, where).toMatch(/^deb \[signed-by=\$KEY_FILE\] https:\/\//);
          expect(
            source.key !== undefined || FINGERPRINT.test(source.keyid ?? ''),
            `${where}: key pinned`,
          ).toBe(true);
        }
        for (const pkg of fragment.packages ?? []) expect(pkg, where).toMatch(/^[a-z0-9][a-z0-9+.-]+$/);
        for (const port of fragment.ports ?? [])
          expect(port.public, `${where}: ${port.port} must not be public`).toBe(false);
      }
      // One writer per file across the whole set.
      const paths = [...fragments.values()].flatMap((f) => (f.writeFiles ?? []).map((w) => w.path));
      expect(new Set(paths).size, `${label}: a file has two writers`).toBe(paths.length);
    }
  });
});

describe('buildwatch declares what the planner provides', () => {
  it('its API token as a secret, and its API as the watcher endpoint on the configured port', () => {
    const buildwatch = getCapability('buildwatch')!;
    expect(buildwatch.secrets).toEqual([
      expect.objectContaining({ key: 'watcherToken', file: 'watcher-token' }),
    ]);
    const { resolution } = composeFragments({
      runtime: 'docker',
      features: [{ name: 'buildwatch', config: { port: 9911 } }],
    });
    const resolvedWatcher = resolution.capabilities.find((c) => c.definition.name === 'buildwatch')!;
    expect(buildwatch.endpoints?.(resolvedWatcher.config)).toEqual([
      expect.objectContaining({ name: 'watcher', port: 9911 }),
    ]);
    const defaults = composeFragments({
      runtime: 'docker',
      features: ['buildwatch'],
    }).resolution.capabilities.find((c) => c.definition.name === 'buildwatch')!;
    expect(buildwatch.endpoints?.(defaults.config)[0]?.port).toBe((defaults.config as { port: number }).port);
  });
});

describe('docker', () => {
  it('owns daemon.json with log rotation, and folds docker-optimize settings into it', () => {
    const plain = composeFragments({ runtime: 'docker' }).fragments.get('docker')!;
    const plainJson = JSON.parse(plain.writeFiles![0]!.content);
    expect(plainJson).toEqual({
      'log-driver': 'json-file',
      'log-opts': { 'max-file': '3', 'max-size': '10m' },
    });

    const tuned = composeFragments({
      runtime: 'docker',
      features: [{ name: 'docker-optimize', config: { max_concurrent_downloads: 16 } }],
    });
    const daemon = tuned.fragments.get('docker')!.writeFiles!;
    expect(daemon.map((f) => f.path)).toEqual(['/etc/docker/daemon.json']);
    const json = JSON.parse(daemon[0]!.content);
    expect(json['max-concurrent-downloads']).toBe(16);
    expect(json['live-restore']).toBe(true);
    expect(json['log-opts']).toEqual({ compress: 'true', 'max-file': '3', 'max-size': '10m' });
    expect(tuned.fragments.get('docker-optimize')!.writeFiles ?? []).toEqual([]);
  });

  it("takes docker-optimize's settings from the resolved configs, not from the template", () => {
    const template = makeTemplate({
      features: [{ name: 'docker-optimize', config: { max_concurrent_downloads: 3, live_restore: true } }],
    });
    const docker = getCapability('docker')!;
    const context = capabilityContext(template, ['docker', 'docker-optimize'], {
      'docker-optimize': {
        max_concurrent_downloads: 20,
        max_concurrent_uploads: 5,
        live_restore: false,
        nofile_limit: 1048576,
        log_compress: true,
      },
    });
    const json = JSON.parse(
      docker.fragments({ log_max_size: '10m', log_max_file: 3 }, context).writeFiles![0]!.content,
    );
    expect(json).toMatchObject({
      'max-concurrent-downloads': 20,
      'live-restore': false,
      'max-concurrent-uploads': 5,
    });
  });

  it('writes daemon.json with sorted keys so the bytes are deterministic', () => {
    const content = composeFragments({ runtime: 'docker', features: ['docker-optimize'] }).fragments.get(
      'docker',
    )!.writeFiles![0]!.content;
    const keys = Object.keys(JSON.parse(content));
    expect(keys).toEqual([...keys].sort());
    expect(content.endsWith('}\n')).toBe(true);
  });

  it('installs docker.io from the archive with no third-party source, with apparmor', () => {
    const docker = composeFragments({ runtime: 'docker' }).fragments.get('docker')!;
    // Without apparmor_parser dockerd on an AppArmor kernel starts no container (issue 13 bug 1).
    expect(docker.packages).toEqual(['docker.io', 'apparmor']);
    expect(docker.aptSources ?? []).toEqual([]);
  });
});

describe('gpu-nvidia', () => {
  const gpu = (runtime: 'docker' | 'native', image = 'linode/ubuntu22.04') =>
    composeFragments({ runtime, features: ['gpu-nvidia'], image, type: 'g2-gpu-rtx4000a1-s' }).fragments.get(
      'gpu-nvidia',
    )!;

  it('with docker: toolkit from the signed NVIDIA repository, runtime configured, --gpus all', () => {
    const fragment = gpu('docker');
    expect(fragment.aptSources).toEqual([
      expect.objectContaining({
        source: 'deb [signed-by=$KEY_FILE] https://nvidia.github.io/libnvidia-container/stable/deb/$(ARCH) /',
        keyid: 'C95B321B61E88C1809C4F759DDCAE044F796ECB0',
      }),
    ]);
    expect(fragment.packages).toContain('nvidia-container-toolkit');
    expect(fragment.steps!.map((s) => s.name)).toEqual([
      'check-gpu',
      'install-driver',
      'load-driver',
      'configure-docker',
    ]);
    const configure = fragment.steps!.at(-1)!.script;
    expect(configure).toContain('nvidia-ctk runtime configure --runtime=docker');
    expect(configure).toContain('systemctl restart docker.service');
    expect(fragment.container?.runArgs).toEqual(['--gpus', 'all']);
    expect(fragment.probes).toEqual([{ name: 'nvidia-smi', argv: ['nvidia-smi'] }]);
  });

  it('without docker: no toolkit, no container args', () => {
    const fragment = gpu('native');
    expect(fragment.aptSources).toEqual([]);
    expect(fragment.packages).toEqual(['pciutils']);
    expect(fragment.container).toBeUndefined();
    expect(fragment.steps!.map((s) => s.name)).not.toContain('configure-docker');
  });

  it('uses a -server branch for the running kernel with a DKMS fallback, no reboot', () => {
    const install = gpu('docker').steps!.find((s) => s.name === 'install-driver')!;
    expect(install.env).toEqual({ DRIVER_BRANCH: '570' });
    // Shell text, not JavaScript templates: the `${...}` are bash expansions.
    const shellLines = [
      'branch="$' + '{DRIVER_BRANCH}-server"',
      'linux-modules-nvidia-$' + '{branch}-$' + '{kernel}',
      '"linux-headers-$' + '{kernel}" "nvidia-headless-$' + '{branch}"',
    ];
    for (const line of shellLines) expect(install.script).toContain(line);
    expect(install.script).toContain('modinfo -k "$kernel" nvidia');
    const load = gpu('docker').steps!.find((s) => s.name === 'load-driver')!.script;
    expect(load).toContain('until modprobe nvidia; do');
    expect(load).toContain('until nvidia-smi; do');
  });

  it('blacklists nouveau with a file, not a bootcmd run on every boot', () => {
    const fragment = gpu('docker', 'linode/ubuntu24.04');
    expect(fragment.bootcmd).toBeUndefined();
    const blacklist = fragment.writeFiles!.find((f) => f.path === '/etc/modprobe.d/blacklist-nouveau.conf');
    expect(blacklist?.content).toContain('blacklist nouveau\n');
  });

  it('passes a configured driver branch through the environment', () => {
    const { fragments } = composeFragments({
      features: [{ name: 'gpu-nvidia', config: { driver_branch: '550' } }],
      type: 'g1-gpu-rtx6000-1',
      image: 'linode/ubuntu22.04',
    });
    expect(fragments.get('gpu-nvidia')!.steps![1]!.env).toEqual({ DRIVER_BRANCH: '550' });
  });
});

describe('redis', () => {
  it('with docker: binds loopback and the bridge gateway, container reaches host.docker.internal', () => {
    const redis = composeFragments({ runtime: 'docker', features: ['redis'] }).fragments.get('redis')!;
    expect(redis.steps![0]!.env).toMatchObject({
      REDIS_BIND: '127.0.0.1 172.17.0.1',
      REDIS_PROTECTED_MODE: 'no',
      REDIS_AFTER_DOCKER: 'true',
    });
    expect(redis.container).toEqual({
      runArgs: ['--add-host=host.docker.internal:host-gateway'],
      env: { REDIS_HOST: 'host.docker.internal', REDIS_PORT: '6379' },
    });
    expect(redis.ports).toEqual([expect.objectContaining({ port: 6379, public: false })]);
  });

  it('natively: loopback only, protected mode on', () => {
    const redis = composeFragments({ runtime: 'native', features: ['redis'] }).fragments.get('redis')!;
    expect(redis.steps![0]!.env).toMatchObject({ REDIS_BIND: '127.0.0.1', REDIS_PROTECTED_MODE: 'yes' });
    expect(redis.container).toBeUndefined();
  });

  it('with a password: protected mode stays on and the app gets the generated secret by env file', () => {
    const redis = composeFragments({
      features: [{ name: 'redis', config: { require_password: true, maxmemory: '512mb' } }],
    }).fragments.get('redis')!;
    expect(redis.steps![0]!.env).toMatchObject({
      REDIS_PROTECTED_MODE: 'yes',
      REDIS_REQUIRE_PASSWORD: 'true',
      REDIS_MAXMEMORY: '512mb',
    });
    expect(redis.container?.runArgs).toEqual([
      '--add-host=host.docker.internal:host-gateway',
      '--env-file',
      '/etc/linode-build/redis.env',
    ]);
    expect(redis.probes).toEqual([
      { name: 'redis-active', argv: ['systemctl', 'is-active', 'redis-server.service'] },
    ]);
  });
});

describe('native versus third-party repositories', () => {
  const sourcesOf = (name: string, image: string) =>
    (
      composeFragments({ runtime: 'native', features: [name], image }).fragments.get(name)!.aptSources ?? []
    ).map((s) => s.name);

  it('uses PGDG only where the archive lacks the PostgreSQL version', () => {
    expect(sourcesOf('postgresql-14', 'linode/ubuntu22.04')).toEqual([]);
    expect(sourcesOf('postgresql-14', 'linode/ubuntu24.04')).toEqual(['pgdg']);
    expect(sourcesOf('postgresql-15', 'linode/ubuntu22.04')).toEqual(['pgdg']);
    expect(sourcesOf('postgresql-15', 'linode/ubuntu24.04')).toEqual(['pgdg']);
    expect(sourcesOf('postgresql-16', 'linode/ubuntu22.04')).toEqual(['pgdg']);
    expect(sourcesOf('postgresql-16', 'linode/ubuntu24.04')).toEqual([]);
  });

  it('uses the deadsnakes PPA only where the archive lacks the Python version', () => {
    expect(sourcesOf('python-3.10', 'linode/ubuntu22.04')).toEqual([]);
    expect(sourcesOf('python-3.10', 'linode/ubuntu24.04')).toEqual(['deadsnakes']);
    expect(sourcesOf('python-3.11', 'linode/ubuntu22.04')).toEqual(['deadsnakes']);
    expect(sourcesOf('python-3.12', 'linode/ubuntu22.04')).toEqual(['deadsnakes']);
    expect(sourcesOf('python-3.12', 'linode/ubuntu24.04')).toEqual([]);
  });

  it('takes every offered PostgreSQL and Python version from its third-party source on Ubuntu 26.04', () => {
    // 26.04's own PostgreSQL is 18 and its Python 3.14: none of the versions offered here.
    for (const version of [14, 15, 16]) {
      expect(sourcesOf(`postgresql-${version}`, 'linode/ubuntu26.04')).toEqual(['pgdg']);
    }
    for (const version of ['3.10', '3.11', '3.12']) {
      expect(sourcesOf(`python-${version}`, 'linode/ubuntu26.04')).toEqual(['deadsnakes']);
    }
  });

  it('declares the PPA as an apt source, so it exists before the packages are installed', () => {
    const python = composeFragments({ runtime: 'native', features: ['python-3.11'] }).fragments.get(
      'python-3.11',
    )!;
    expect(python.packages).toEqual(['python3.11', 'python3.11-venv', 'python3.11-dev']);
    expect(python.aptSources![0]).toMatchObject({ keyid: 'F23C5A6CF475977595C89F51BA6932366A755776' });
    for (const step of python.steps ?? []) expect(step.script).not.toContain('add-apt-repository');
  });

  it('installs Node.js from NodeSource as a signed source, never curl | bash', () => {
    for (const major of [22, 24]) {
      const name = `nodejs-${major}`;
      const node = composeFragments({ runtime: 'native', features: [name] }).fragments.get(name)!;
      expect(node.aptSources).toEqual([
        expect.objectContaining({
          source: `deb [signed-by=$KEY_FILE] https://deb.nodesource.com/node_${major}.x nodistro main`,
          keyid: '6F71F525282841EEDAF851B42F59B5F99B1BE0B4',
        }),
      ]);
      expect(node.packages).toEqual(['nodejs']);
      expect(node.steps![0]!.env).toEqual({ NODE_MAJOR: String(major) });
    }
  });
});

describe('postgresql', () => {
  it('creates the app database with a password generated on the instance, never in user-data', () => {
    const { fragments } = composeFragments({
      features: [{ name: 'postgresql-16', config: { database: 'vectors', user: 'svc' } }],
    });
    const pg = fragments.get('postgresql-16')!;
    expect(pg.steps![0]!.env).toMatchObject({
      PG_VERSION: '16',
      PG_DATABASE: 'vectors',
      PG_USER: 'svc',
      PG_LISTEN: 'localhost,172.17.0.1',
      PG_BRIDGE_SUBNET: '172.17.0.0/16',
    });
    const envKeys = [...Object.keys(pg.steps![0]!.env ?? {}), ...Object.keys(pg.container?.env ?? {})];
    expect(envKeys.filter((key) => /PASSWORD|SECRET|URL/.test(key))).toEqual([]);
    expect(pg.steps![0]!.script).toContain('password="$(openssl rand -hex 32)"');
    expect(pg.container?.runArgs).toContain('/etc/linode-build/postgresql.env');
    expect(pg.ports).toEqual([expect.objectContaining({ port: 5432, public: false })]);
  });
});

describe('packages', () => {
  it('carries capabilities.packages as its own capability', () => {
    const { fragments } = composeFragments({ packages: ['htop', 'nvtop'] });
    expect(fragments.get('packages')).toEqual({ packages: ['htop', 'nvtop'] });
    expect(fragments.get('docker')!.packages).toEqual(['docker.io', 'apparmor']);
  });
});
