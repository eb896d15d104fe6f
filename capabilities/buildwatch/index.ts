import { defineCapability } from '../../src/capability/define.js';
import { deliveryFragments } from './delivery.js';
import { type BuildwatchConfig, buildwatchSchema } from './schema.js';

export default defineCapability<BuildwatchConfig>({
  name: 'buildwatch',
  kind: 'feature',
  summary: 'On-instance watcher: OOM kills, crash loops, boot progress, over an authenticated API.',
  description: [
    "Runs the BuildWatch daemon on the instance. It follows the Docker engine's events and",
    'reports OOM kills, crash loops (N exits within a window), non-zero exits, unhealthy',
    'transitions, slow starts and GPU out-of-memory errors, plus boot progress from cloud-init',
    'and the boot status file. Its HTTP API (`/health`, `/status`, `/events`, `/issues`,',
    '`/logs`, `/metrics`) requires a per-deployment bearer token for everything but `/health`.',
    '',
    'The port is not opened to the internet unless `allowed_sources` lists CIDRs. Events and',
    'issues are persisted with the retention below.',
    '',
    'The watcher runs on its own Node.js 24, whatever the image ships: the official build,',
    'downloaded at boot and checked against its pinned sha256 before use (`node` overrides the',
    'source, e.g. with a mirror where nodejs.org is unreachable).',
  ].join('\n'),
  configSchema: buildwatchSchema,
  example: [
    'capabilities:',
    '  runtime: docker',
    '  features:',
    '    - name: buildwatch',
    '      config:',
    '        crash_loop_count: 5',
    '        retention:',
    '          days: 14',
  ].join('\n'),
  requires: () => ['docker'],
  runtimes: ['docker'],
  secrets: [
    {
      key: 'watcherToken',
      file: 'watcher-token',
      description: 'Bearer token of the watcher API (everything but /health needs it).',
    },
  ],
  endpoints: (config) => [{ name: 'watcher', port: config.port, description: 'The BuildWatch HTTP API.' }],
  fragments: (config, context) =>
    deliveryFragments(config, context.secrets.watcherToken, { gpu: context.capabilities.has('gpu-nvidia') }),
});
