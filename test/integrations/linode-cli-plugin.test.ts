/**
 * The linode-cli plugin, called the way linode-cli calls plugins: `call(args, context)` with a
 * context carrying `token` and `client`. A stub linode-build records its argv and environment.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { binPath, repoRoot } from '../support/cli.js';
import { toolsAvailable } from '../support/tools.js';

const pluginDir = path.join(repoRoot, 'integrations/linode-cli');
const canaryToken = 'canary-token-7f3a9c1e5b';

/** Absolute path, so tests may give the plugin a PATH without python on it. */
function python3Path(): string {
  // sys.executable, not the PATH entry: that may be a shell shim (pyenv) that needs PATH itself.
  return spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], {
    encoding: 'utf8',
  }).stdout.trim();
}

/** Runs the plugin's call() in Python with a stub context; returns exit code and output. */
function callPlugin(args: string[], env: Record<string, string>, token: string | null = canaryToken) {
  const script = [
    'import json, sys',
    'import linode_build_plugin as plugin',
    'class Client: pass',
    'class Context:',
    '    def __init__(self, token):',
    '        self.token = token',
    '        self.client = Client()',
    'assert plugin.PLUGIN_NAME == "build"',
    'try:',
    '    plugin.call(json.loads(sys.argv[1]), Context(json.loads(sys.argv[2])))',
    'except SystemExit as exit:',
    '    sys.exit(exit.code)',
  ].join('\n');
  return spawnSync(python3Path(), ['-c', script, JSON.stringify(args), JSON.stringify(token)], {
    env: { PATH: process.env.PATH ?? '', PYTHONPATH: pluginDir, ...env },
    encoding: 'utf8',
  });
}

describe.runIf(toolsAvailable('python3'))('linode-cli plugin', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-plugin-'));
  const record = path.join(dir, 'record.json');
  const stub = path.join(dir, 'fake-linode-build');
  writeFileSync(
    stub,
    `#!/usr/bin/env node
require('node:fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(2), token: process.env.LINODE_TOKEN }));
process.exit(7);
`,
  );
  chmodSync(stub, 0o755);

  it('passes arguments unchanged and the token through the environment only', () => {
    const args = ['deploy', '--env', 'prod west', '--app-name', "it's $HOME"];
    const result = callPlugin(args, { LINODE_BUILD_BIN: stub });
    expect(result.status).toBe(7); // linode-build's exit code is passed through
    const seen = JSON.parse(readFileSync(record, 'utf8'));
    expect(seen.argv).toEqual(args);
    expect(seen.token).toBe(canaryToken);
    expect(seen.argv.join(' ')).not.toContain(canaryToken);
    expect(result.stdout + result.stderr).not.toContain(canaryToken);
  });

  it('runs the real linode-build binary', () => {
    const result = callPlugin(['version', '--json'], { LINODE_BUILD_BIN: binPath });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('explains a missing linode-build with exit 127', () => {
    const result = callPlugin(['status'], { PATH: '/nonexistent' });
    expect(result.status).toBe(127);
    expect(result.stderr).toContain('linode-build command was not found');
    expect(result.stderr).toContain('Hint:');
  });

  it('keeps the environment token when linode-cli has none', () => {
    const result = callPlugin(['status'], { LINODE_BUILD_BIN: stub, LINODE_TOKEN: 'from-env-1234' }, null);
    expect(result.status).toBe(7);
    expect(JSON.parse(readFileSync(record, 'utf8')).token).toBe('from-env-1234');
  });
});
