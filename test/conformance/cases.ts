/**
 * Every document the conformance and fuzz checks look at: each bundled template, each of the
 * original tool's four templates (skipped with a reason when ../shared is absent), and
 * synthetic templates covering what the bundled ones do not (native runtime, metadata access,
 * setup script, post-start with another interpreter, tcp and exec health checks, odd values),
 * and one template sent as plain text instead of gzip.
 */
import path from 'node:path';
import type { DeployPlan } from '../../src/plan/types.js';
import type { Template } from '../../src/template/types.js';
import { makeTemplate } from '../plan/fixtures.js';
import {
  bundledDir,
  bundledTemplateNames,
  loadOriginalTemplate,
  loadTemplate,
  originalTemplateNames,
  planFor,
} from '../plan/support.js';

export interface PlanCase {
  readonly name: string;
  readonly plan: () => DeployPlan;
}

const D = '$';

export function syntheticCases(): PlanCase[] {
  return [
    {
      name: 'synthetic/native-setup',
      plan: () =>
        planFor(
          makeTemplate({
            name: 'native-app',
            runtime: 'native',
            setupScript: '#!/bin/bash\nset -euo pipefail\necho "installing $BUILD_APP"\n',
            container: { post_start_script: '#!/usr/bin/env python3\nprint("hello")\n' },
            health: {
              type: 'tcp',
              port: 8000,
              success_codes: [],
              initial_delay_seconds: 1,
              timeout_seconds: 1,
              interval_seconds: 1,
              max_retries: 3,
            },
          }),
        ),
    },
    {
      name: 'synthetic/metadata-allowed-exec-health',
      plan: () =>
        planFor(
          makeTemplate({
            name: 'odd-values',
            container: {
              allow_metadata_access: true,
              volumes: ['/srv/my data:/data:ro', 'named_volume:/cache'],
              command: `serve --name "it's ${D}{NAME:-x y}" --pct 100% --hash '#x' '${D}(id)'`,
              health: {
                type: 'exec',
                command: ['sh', '-c', 'test -e /tmp/ready && echo "$HOME"'],
                success_codes: [],
                initial_delay_seconds: 0,
                timeout_seconds: 5,
                interval_seconds: 2,
                max_retries: 5,
              },
              post_start_script: 'echo "no shebang: bash runs me"\n',
            },
            containerEnv: { GREETING: `it's "quoted" ${D}{NAME:-default} %h \`x\` #c a=b é 😀` },
            env: { required: [], optional: [{ name: 'NAME', description: '', secret: false }] },
            setupFiles: [
              {
                path: '/opt/app/big.txt',
                permissions: '0644',
                owner: 'root:root',
                content: 'x'.repeat(5000),
              },
              {
                path: '/opt/app/owned.cfg',
                permissions: '0640',
                owner: 'www-data:www-data',
                content: 'yes\n',
              },
            ],
            packages: ['htop'],
          }),
          { NAME: `Jo "$(rm -rf /)" 'x' \`y\`` },
        ),
    },
  ];
}

export function templateCases(): PlanCase[] {
  const bundled = bundledTemplateNames().map((name) => ({
    name: `bundled/${name}`,
    plan: () => planFor(loadTemplate(path.join(bundledDir, name, 'template.yml'))),
  }));
  const original = originalTemplateNames().map((name) => ({
    name: `original/${name}`,
    plan: () => planFor(loadOriginalTemplate(name)),
  }));
  // The largest bundled template sent as plain text (the default for images that may not unpack gzip): files above
  // 512 bytes are then gz+b64 one by one, and the same checks must hold on the decoded files.
  const plain = {
    name: 'plain/ml-pipeline',
    plan: () =>
      planFor(
        loadTemplate(path.join(bundledDir, 'ml-pipeline', 'template.yml')),
        {},
        { userDataEncoding: 'plain' },
      ),
  };
  return [...bundled, ...original, ...syntheticCases(), plain, ...ubuntu2604Cases()];
}

const UBUNTU_26_04 = 'linode/ubuntu26.04';

/**
 * Ubuntu 26.04, which the tests cannot boot: every bundled template planned for it, and one
 * template with every capability that has per-image knowledge (third-party sources there).
 */
export function ubuntu2604Cases(): PlanCase[] {
  const bundled = bundledTemplateNames().map((name) => ({
    name: `ubuntu26.04/${name}`,
    plan: () =>
      planFor(loadTemplate(path.join(bundledDir, name, 'template.yml')), {}, { image: UBUNTU_26_04 }),
  }));
  const base = makeTemplate({ name: 'every-capability', packages: ['htop'] });
  const features = [
    'gpu-nvidia',
    'docker-optimize',
    'redis',
    'postgresql-16',
    'python-3.12',
    'nodejs-24',
    'buildwatch',
  ];
  const everyCapability: Template = {
    ...base,
    capabilities: { ...base.capabilities, features: features.map((name) => ({ name, config: {} })) },
  };
  return [
    ...bundled,
    {
      name: 'ubuntu26.04/every-capability',
      plan: () => planFor(everyCapability, {}, { image: UBUNTU_26_04, type: 'g2-gpu-rtx4000a1-s' }),
    },
  ];
}
