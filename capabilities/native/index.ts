import { defineCapability } from '../../src/capability/define.js';

export default defineCapability<Record<string, never>>({
  name: 'native',
  kind: 'runtime',
  summary: 'No container runtime: the app is installed and started by `setup.script`.',
  description: [
    'The app runs directly on the host. Nothing is installed for the runtime itself: install',
    'and start the app from `setup.script` / `setup.files` (for example as a systemd unit), and',
    'add language runtimes such as `python-3.12` or `nodejs-22` as features.',
    '',
    '`deploy.linode.container` is not used with this runtime. Capabilities that only make sense',
    'for a container (`buildwatch`) are rejected with a clear error; capabilities that need Docker',
    'on the host anyway may still add the `docker` capability.',
  ].join('\n'),
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  example: [
    'capabilities:',
    '  runtime: native',
    '  features:',
    '    - python-3.12',
    'setup:',
    '  script: |',
    '    #!/usr/bin/env bash',
    '    set -euo pipefail',
    '    python3.12 -m venv /opt/app/venv',
  ].join('\n'),
  fragments: () => ({}),
});
