/**
 * postgresql-14, postgresql-15 and postgresql-16: one definition per major version, built by
 * one function. The image's own archive carries one version per release (Ubuntu 22.04: 14,
 * Ubuntu 24.04: 16, Debian 12: 15; Ubuntu 26.04: 18, which is not offered here, so all three
 * come from PGDG there); other versions come from the PostgreSQL project's signed apt
 * repository (PGDG), which serves `resolute-pgdg` for Ubuntu 26.04.
 */
import { defineCapability } from '../../src/capability/define.js';
import type { AptSource, CapabilityDefinition, Fragments } from '../../src/capability/types.js';
import {
  DOCKER_BRIDGE_GATEWAY,
  DOCKER_BRIDGE_SUBNET,
  HOST_ALIAS,
  HOST_GATEWAY_RUN_ARGS,
} from '../_lib/host-gateway.js';
import {
  DEBIAN_12,
  nativeVersions,
  SUPPORTED_IMAGES,
  UBUNTU_22_04,
  UBUNTU_24_04,
  UBUNTU_KEYSERVER,
} from '../_lib/ubuntu.js';
import configureScript from './configure.sh?raw';

export const POSTGRESQL_VERSIONS = [14, 15, 16] as const;
export type PostgresqlVersion = (typeof POSTGRESQL_VERSIONS)[number];

/** The version each supported image's own archive provides (none of ours on Ubuntu 26.04). */
const NATIVE_VERSION: Readonly<Record<string, PostgresqlVersion>> = {
  [UBUNTU_22_04]: 14,
  [UBUNTU_24_04]: 16,
  [DEBIAN_12]: 15,
};
const NATIVE = nativeVersions(NATIVE_VERSION);

/** apt.postgresql.org; key "PostgreSQL Debian Repository" (ACCC4CF8), pinned by full fingerprint. */
export const pgdgSource: AptSource = {
  name: 'pgdg',
  source: 'deb [signed-by=$KEY_FILE] https://apt.postgresql.org/pub/repos/apt $RELEASE-pgdg main',
  keyid: 'B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8',
  keyserver: UBUNTU_KEYSERVER,
};

const PG_PORT = 5432;
const IDENTIFIER = '^[a-z_][a-z0-9_]{0,62}$';

export interface PostgresqlConfig {
  readonly database: string;
  readonly user: string;
  readonly listen_docker_bridge: boolean;
}

function postgresqlCapability(version: PostgresqlVersion): CapabilityDefinition {
  const name = `postgresql-${version}`;
  const native = NATIVE.imagesShipping(version);
  return defineCapability<PostgresqlConfig>({
    name,
    kind: 'feature',
    summary: `PostgreSQL ${version} on the host with an app database; never public.`,
    description: [
      `Installs PostgreSQL ${version} (${native.length > 0 ? `from the image's own archive on ${native.join(', ')}, ` : ''}from the`,
      "PostgreSQL project's signed apt repository (key pinned by fingerprint) elsewhere), waits",
      'until it accepts connections, and creates a role and database for the app.',
      '',
      'The password is generated **on the instance** (never in user-data) and handed to the app',
      'container through a `0600` env file with `PGUSER`, `PGPASSWORD`, `PGDATABASE` and',
      '`DATABASE_URL`; the container also gets `PGHOST=host.docker.internal` and `PGPORT=5432`.',
      'PostgreSQL listens on `localhost` and, with the `docker` runtime, on the Docker bridge',
      'gateway with `scram-sha-256` from the bridge subnet only. Port 5432 is never opened on',
      'the firewall.',
      '',
      'Only one PostgreSQL version per deployment: the versions conflict with each other.',
    ].join('\n'),
    configSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        database: {
          type: 'string',
          pattern: IDENTIFIER,
          default: 'app',
          description: 'Database created for the app (lowercase letters, digits, `_`).',
        },
        user: {
          type: 'string',
          pattern: IDENTIFIER,
          default: 'app',
          description: 'Role that owns the database; its password is generated on the instance.',
        },
        listen_docker_bridge: {
          type: 'boolean',
          default: true,
          description: 'With the docker runtime, let the app container connect through the bridge gateway.',
        },
      },
    },
    example: [
      'capabilities:',
      '  runtime: docker',
      '  features:',
      `    - name: ${name}`,
      '      config:',
      '        database: embeddings',
      '        user: embeddings',
    ].join('\n'),
    conflicts: POSTGRESQL_VERSIONS.filter((other) => other !== version).map((other) => `postgresql-${other}`),
    after: ['docker'],
    images: SUPPORTED_IMAGES,
    fragments: (config, context): Fragments => {
      const bridge =
        config.listen_docker_bridge && context.runtime === 'docker' && context.capabilities.has('docker');
      return {
        packages: [`postgresql-${version}`, `postgresql-client-${version}`],
        aptSources: NATIVE.isNative(context.image, version) ? [] : [pgdgSource],
        steps: [
          {
            name: 'configure',
            description: `Configure PostgreSQL ${version}, create the app database`,
            script: configureScript,
            env: {
              PG_VERSION: String(version),
              PG_LISTEN: bridge ? `localhost,${DOCKER_BRIDGE_GATEWAY}` : 'localhost',
              PG_BRIDGE_SUBNET: bridge ? DOCKER_BRIDGE_SUBNET : '',
              PG_CLIENT_HOST: bridge ? HOST_ALIAS : '127.0.0.1',
              PG_DATABASE: config.database,
              PG_USER: config.user,
              PG_AFTER_DOCKER: String(bridge),
            },
          },
        ],
        ports: [
          {
            port: PG_PORT,
            protocol: 'TCP',
            public: false,
            description: `PostgreSQL ${version} (host and app container only)`,
          },
        ],
        probes: [{ name: 'pg-isready', argv: ['pg_isready', '-h', '127.0.0.1', '-p', String(PG_PORT)] }],
        ...(bridge
          ? {
              container: {
                runArgs: [...HOST_GATEWAY_RUN_ARGS, '--env-file', '/etc/linode-build/postgresql.env'],
                env: { PGHOST: HOST_ALIAS, PGPORT: String(PG_PORT) },
              },
            }
          : {}),
      };
    },
  });
}

export const postgresqlCapabilities: readonly CapabilityDefinition[] =
  POSTGRESQL_VERSIONS.map(postgresqlCapability);
