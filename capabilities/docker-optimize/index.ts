import { defineCapability } from '../../src/capability/define.js';
import { type DockerOptimizeConfig, dockerOptimizeSchema } from './settings.js';
import verifyScript from './verify.sh?raw';

export default defineCapability<DockerOptimizeConfig>({
  name: 'docker-optimize',
  kind: 'feature',
  summary: 'Tune the Docker daemon for large images: parallel pulls, live restore, log compression.',
  description: [
    'Adds daemon settings that help with multi-gigabyte ML images: more parallel layer',
    'downloads and uploads, `live-restore` (containers keep running while the daemon restarts,',
    'e.g. when the GPU toolkit reconfigures it), a high default open-files limit and compressed',
    'rotated logs.',
    '',
    'The settings are written into the single `/etc/docker/daemon.json` that the `docker`',
    'capability owns, so there is exactly one writer of that file. A boot step then checks that',
    'the running daemon picked them up.',
  ].join('\n'),
  configSchema: dockerOptimizeSchema,
  example: [
    'capabilities:',
    '  runtime: docker',
    '  features:',
    '    - name: docker-optimize',
    '      config:',
    '        max_concurrent_downloads: 16',
  ].join('\n'),
  requires: () => ['docker'],
  fragments: (config) => ({
    steps: [
      {
        name: 'verify-daemon-settings',
        description: 'Check the Docker daemon runs with the optimized settings',
        script: verifyScript,
        env: { EXPECT_LIVE_RESTORE: String(config.live_restore) },
      },
    ],
  }),
});
