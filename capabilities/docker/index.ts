import { defineCapability } from '../../src/capability/define.js';
import { type DockerConfig, daemonJson } from './daemon-json.js';
import startScript from './start.sh?raw';

export default defineCapability<DockerConfig>({
  name: 'docker',
  kind: 'runtime',
  summary: "Docker Engine from the image's own archive (Ubuntu or Debian); runs the app as a container.",
  description: [
    "Installs `docker.io` from the image's own archive, Ubuntu's or Debian's (no third-party",
    'repository), with `apparmor`: packages are installed without recommends, and on a kernel',
    'with AppArmor enabled Docker cannot start any container without `apparmor_parser` (it fails',
    'to load its `docker-default` profile). It enables and starts the daemon, and waits (bounded)',
    'until `docker info` answers; a daemon that never comes up fails the step instead of letting',
    'the app start on a broken base.',
    '',
    'This capability owns `/etc/docker/daemon.json`: container logs use the `json-file` driver',
    'with rotation (so a chatty model server cannot fill the disk), and the settings of',
    '`docker-optimize` are merged into the same file when that capability is present. The file',
    'is written before the package is installed, so the first daemon start already uses it.',
    '',
    'Selected with `capabilities.runtime: docker` (the default); other capabilities such as',
    '`docker-optimize` and `buildwatch` add it automatically.',
  ].join('\n'),
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      log_max_size: {
        type: 'string',
        pattern: '^[1-9][0-9]*[kmg]$',
        default: '10m',
        description: 'Size at which a container log file is rotated (`k`, `m` or `g` suffix).',
      },
      log_max_file: {
        type: 'integer',
        minimum: 1,
        maximum: 100,
        default: 3,
        description: 'Rotated log files kept per container.',
      },
      data_root: {
        type: 'string',
        pattern: '^/[A-Za-z0-9._/-]*$',
        description:
          'Where Docker keeps images and containers (e.g. a mounted volume). Default: /var/lib/docker.',
      },
    },
  },
  example: [
    'capabilities:',
    '  runtime: docker',
    '  features:',
    '    - name: docker',
    '      config:',
    '        log_max_size: 50m',
    '        log_max_file: 5',
  ].join('\n'),
  fragments: (config, context) => ({
    // apparmor is only a Recommends of docker.io; see the description.
    packages: ['docker.io', 'apparmor'],
    writeFiles: [
      {
        path: '/etc/docker/daemon.json',
        content: daemonJson(config, context),
        permissions: '0644',
        owner: 'root:root',
      },
    ],
    steps: [
      {
        name: 'start-daemon',
        description: 'Enable and start Docker, wait until it answers',
        script: startScript,
        env: { DOCKER_WAIT_SECONDS: '120' },
      },
    ],
    probes: [{ name: 'docker-info', argv: ['docker', 'info', '--format', '{{.ServerVersion}}'] }],
  }),
});
