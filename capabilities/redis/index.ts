import { defineCapability } from '../../src/capability/define.js';
import type { Fragments } from '../../src/capability/types.js';
import { DOCKER_BRIDGE_GATEWAY, HOST_ALIAS, HOST_GATEWAY_RUN_ARGS } from '../_lib/host-gateway.js';
import configureScript from './configure.sh?raw';

export interface RedisConfig {
  readonly maxmemory?: string;
  readonly maxmemory_policy: string;
  readonly require_password: boolean;
}

const REDIS_PORT = 6379;
/** Generated on the instance when `require_password` is set; passed to the app with --env-file. */
const REDIS_SECRET_ENV = '/etc/linode-build/redis.env';

export default defineCapability<RedisConfig>({
  name: 'redis',
  kind: 'feature',
  summary: 'Redis on the host, reachable from the app container, never from the internet.',
  description: [
    "Installs the image's own `redis-server` (Ubuntu's or Debian's), listening on `127.0.0.1` and, with the `docker` runtime,",
    'on the Docker bridge gateway (`172.17.0.1`) so the app container reaches it as',
    '`host.docker.internal` (the container gets `--add-host=host.docker.internal:host-gateway`',
    'and the defaults `REDIS_HOST=host.docker.internal`, `REDIS_PORT=6379`; template env wins).',
    'Port 6379 is never opened on the firewall.',
    '',
    'Without a password, protected mode is turned off only when Redis listens on the bridge (it',
    'would refuse the container otherwise); it is never bound to a public address. With',
    '`require_password: true`, a password is generated **on the instance** (it never appears in',
    'user-data), Redis requires it, and the app gets `REDIS_PASSWORD` and `REDIS_URL` through a',
    '`0600` env file.',
    '',
    'Optional memory cap: `maxmemory` with `maxmemory_policy`.',
  ].join('\n'),
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      maxmemory: {
        type: 'string',
        pattern: '^[1-9][0-9]*(kb|mb|gb)$',
        description: 'Memory cap, e.g. `512mb` or `2gb`. Default: no cap.',
      },
      maxmemory_policy: {
        type: 'string',
        enum: [
          'noeviction',
          'allkeys-lru',
          'allkeys-lfu',
          'allkeys-random',
          'volatile-lru',
          'volatile-lfu',
          'volatile-random',
          'volatile-ttl',
        ],
        default: 'noeviction',
        description: 'What Redis does when `maxmemory` is reached.',
      },
      require_password: {
        type: 'boolean',
        default: false,
        description:
          'Generate a password on the instance and give it to the app as `REDIS_PASSWORD` / `REDIS_URL`.',
      },
    },
  },
  example: [
    'capabilities:',
    '  runtime: docker',
    '  features:',
    '    - name: redis',
    '      config:',
    '        maxmemory: 1gb',
    '        maxmemory_policy: allkeys-lru',
  ].join('\n'),
  after: ['docker'],
  fragments: (config, context): Fragments => {
    const bridge = context.capabilities.has('docker') && context.runtime === 'docker';
    const bind = bridge ? `127.0.0.1 ${DOCKER_BRIDGE_GATEWAY}` : '127.0.0.1';
    return {
      packages: ['redis-server'],
      steps: [
        {
          name: 'configure',
          description: 'Configure Redis (bind, memory, password) and wait until it answers',
          script: configureScript,
          env: {
            REDIS_BIND: bind,
            // Protected mode refuses every non-loopback client without a password; the bridge
            // bind is private to this host, so it is relaxed only in that case.
            REDIS_PROTECTED_MODE: bridge && !config.require_password ? 'no' : 'yes',
            REDIS_MAXMEMORY: config.maxmemory ?? '',
            REDIS_MAXMEMORY_POLICY: config.maxmemory_policy,
            REDIS_REQUIRE_PASSWORD: String(config.require_password),
            REDIS_AFTER_DOCKER: String(bridge),
          },
        },
      ],
      ports: [
        {
          port: REDIS_PORT,
          protocol: 'TCP',
          public: false,
          description: 'Redis (host and app container only)',
        },
      ],
      // With a password, PING needs it, and a secret never goes into an argv: check the unit.
      probes: [
        config.require_password
          ? { name: 'redis-active', argv: ['systemctl', 'is-active', 'redis-server.service'] }
          : { name: 'redis-ping', argv: ['redis-cli', '-h', '127.0.0.1', 'ping'] },
      ],
      ...(bridge
        ? {
            container: {
              runArgs: [
                ...HOST_GATEWAY_RUN_ARGS,
                ...(config.require_password ? ['--env-file', REDIS_SECRET_ENV] : []),
              ],
              env: { REDIS_HOST: HOST_ALIAS, REDIS_PORT: String(REDIS_PORT) },
            },
          }
        : {}),
    };
  },
});
