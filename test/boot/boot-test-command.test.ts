/**
 * `linode-build templates boot-test` for real (issue 13, for template authors): the built CLI
 * boots a project's user-data in a local container and reports the steps, the health check
 * and the timings. Shares the boot tests' rootfs cache (LINODE_BUILD_BOOT_CACHE).
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../support/cli.js';
import { bootAvailable, CACHE_DIR } from './harness.js';
import { DEPLOY_DEBIAN12, quickHealth } from './templates.js';

const enabled = bootAvailable();

/** A native app with an http health check (no container image to pull: no registry needed). */
const PROJECT = `name: boot-test-native
version: 1.0.0
capabilities:
  runtime: native
  packages: [python3-venv]
${DEPLOY_DEBIAN12}    container:
      image: unused
      internal_port: 8000
      external_port: 8000
${quickHealth(8000)}setup:
  files:
    - path: /opt/app/www/health
      content: "ok\\n"
    - path: /etc/systemd/system/app.service
      content: |
        [Service]
        ExecStart=/opt/app/venv/bin/python -m http.server --bind 127.0.0.1 --directory /opt/app/www 8000
        [Install]
        WantedBy=multi-user.target
  script: |
    #!/bin/bash
    set -euo pipefail
    python3 -m venv /opt/app/venv
    systemctl daemon-reload
    systemctl enable --now app.service
`;

describe.skipIf(!enabled)('templates boot-test (the built CLI)', () => {
  it(
    'boots the project, follows its steps, probes the health check and cleans up',
    async () => {
      const project = mkdtempSync(path.join(os.tmpdir(), 'lb-boot-test-'));
      writeFileSync(path.join(project, 'deploy.yml'), PROJECT);
      const { env } = tempHome();
      mkdirSync(path.join(CACHE_DIR, 'guests'), { recursive: true });
      const guestsBefore = readdirSync(path.join(CACHE_DIR, 'guests')).length;
      const result = await runCli(['templates', 'boot-test', project, '--json'], {
        env: { ...env, LINODE_BUILD_BOOT_CACHE: CACHE_DIR },
        timeoutMs: 8 * 60_000,
      });
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout);
      console.log(`[boot] templates boot-test: healthy ${report.bootToHealthySeconds}s after boot`);
      expect(report.state).toBe('done');
      expect(report.healthy).toBe(true);
      expect(report.healthDetail).toMatch(/^http check passes/);
      expect(report.bootToHealthySeconds).toBeGreaterThan(0);
      expect(report.steps.map((step: { state: string }) => step.state)).toEqual(report.steps.map(() => 'ok'));
      expect(report.steps.every((step: { seconds: number }) => typeof step.seconds === 'number')).toBe(true);
      // The live progress (stderr) shows each step as deploy --wait does.
      expect(result.stderr).toMatch(/Boot: setup: Run the template's setup script: ok/);
      expect(result.stderr).toMatch(/Boot: app: Wait for the http health check: ok/);
      // Nothing is left running or on disk.
      expect(readdirSync(path.join(CACHE_DIR, 'guests'))).toHaveLength(guestsBefore);
    },
    9 * 60_000,
  );
});
