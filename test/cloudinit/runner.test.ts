/**
 * Runs the real boot runner (bash + python3 status writer) against generated step files in a
 * temporary directory: order, logging, the JSON status file, skipping dependents of a failed
 * capability, step env values carried exactly, and the exit status.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIB_DIR } from '../../src/cloudinit/layout.js';
import { packagesListFile, runnerFiles, stepFiles } from '../../src/cloudinit/runner.js';
import type { BootStep, CloudFile } from '../../src/cloudinit/types.js';
import { toolsAvailable } from '../support/tools.js';

interface StepStatus {
  id: string;
  capability: string;
  state: string;
  exit_code: number | null;
  output_tail: string[];
  depends_on: string[];
  reason?: string;
  started_at: string | null;
  finished_at: string | null;
}

function step(
  id: string,
  capability: string,
  script: string,
  dependsOn: string[] = [],
  env?: Record<string, string>,
): BootStep {
  const name = id.split('-').slice(2).join('-') || 'step';
  return {
    id,
    capability,
    name,
    description: `${name}\twith a tab`,
    script,
    dependsOn,
    env,
    part: capability,
  };
}

function runBoot(steps: BootStep[], cannotRun?: string, extraFiles: readonly CloudFile[] = []) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lb-runner-'));
  const etc = path.join(root, 'etc');
  mkdirSync(etc);
  if (cannotRun !== undefined) writeFileSync(path.join(etc, 'boot-test-skip'), cannotRun);
  const lib = path.join(root, 'lib');
  for (const file of [...runnerFiles(), ...stepFiles(steps), ...extraFiles]) {
    const target = path.join(lib, path.relative(LIB_DIR, file.path));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    chmodSync(target, Number.parseInt(file.permissions, 8));
  }
  const result = spawnSync('bash', [path.join(lib, 'boot-runner')], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      LINODE_BUILD_LIB: lib,
      LINODE_BUILD_STATE: path.join(root, 'state'),
      LINODE_BUILD_LOG: path.join(root, 'log'),
      LINODE_BUILD_ETC: etc,
    },
  });
  const statusFile = path.join(root, 'state', 'boot-status.json');
  const status = JSON.parse(readFileSync(statusFile, 'utf8')) as { state: string; steps: StepStatus[] };
  const mode = ['state', 'log', 'log/steps']
    .map((dir) => path.join(root, dir))
    .concat(statusFile)
    .map((file) => spawnSync('stat', ['-c', '%a', file], { encoding: 'utf8' }).stdout.trim())
    .join(' ');
  const bootLog = readFileSync(path.join(root, 'log', 'boot.log'), 'utf8');
  return { result, status, bootLog, mode };
}

describe.runIf(toolsAvailable('bash', 'python3'))('boot runner', () => {
  it('runs steps in order, records progress and exits 0 when all succeed', () => {
    const tricky = `it's "quoted" $HOME \`x\` %h #c a=b é\nsecond line`;
    const { result, status, bootLog, mode } = runBoot([
      step(
        '01-base-one',
        'base',
        '#!/bin/bash\necho one\ntouch "$OUT.umask"; stat -c %a "$OUT.umask"\n',
        [],
        {
          OUT: path.join(os.tmpdir(), `lb-runner-env-${process.pid}`),
        },
      ),
      step('02-base-env', 'base', '#!/bin/bash\nprintf "%s" "$TRICKY" > "$OUT"\n', [], {
        TRICKY: tricky,
        OUT: path.join(os.tmpdir(), `lb-runner-env-${process.pid}`),
      }),
    ]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(status.state).toBe('done');
    expect(status.steps.map((s) => [s.id, s.state, s.exit_code])).toEqual([
      ['01-base-one', 'ok', 0],
      ['02-base-env', 'ok', 0],
    ]);
    // Steps create files with the usual umask (022), not the runner's private modes.
    expect(status.steps[0]!.output_tail).toEqual(['one', '644']);
    expect(status.steps[0]!.started_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(readFileSync(path.join(os.tmpdir(), `lb-runner-env-${process.pid}`), 'utf8')).toBe(tricky);
    expect(bootLog).toContain('==> [base] one: one with a tab');
    expect(result.stdout).toContain('==> [base] env: ok');
    expect(mode).toBe('700 700 700 600');
  });

  it('skips steps of a failed capability and its dependents, runs the rest, exits non-zero', () => {
    const output = Array.from({ length: 30 }, (_, i) => `echo "line ${i} \\"q\\" \\\\ tab\there"`).join('\n');
    const { result, status, bootLog } = runBoot([
      step('01-base-ok', 'base', '#!/bin/bash\necho fine\n'),
      step('02-base-broken', 'base', `#!/bin/bash\n${output}\nprintf '\\xff\\x01 bytes\\n'\nexit 3\n`),
      step('03-base-after', 'base', '#!/bin/bash\necho should-not-run\n'),
      step('04-other-ok', 'other', '#!/bin/bash\necho independent\n'),
      step('05-child-x', 'child', '#!/bin/bash\necho should-not-run\n', ['base']),
      step('06-grandchild-x', 'grandchild', '#!/bin/bash\necho should-not-run\n', ['child']),
      step('07-app-start', 'app', '#!/bin/bash\necho should-not-run\n', ['base', 'other', 'child']),
    ]);
    expect(result.status).toBe(1);
    expect(status.state).toBe('failed');
    const states = Object.fromEntries(status.steps.map((s) => [s.id, s.state]));
    expect(states).toEqual({
      '01-base-ok': 'ok',
      '02-base-broken': 'failed',
      '03-base-after': 'skipped',
      '04-other-ok': 'ok',
      '05-child-x': 'skipped',
      '06-grandchild-x': 'skipped',
      '07-app-start': 'skipped',
    });
    const broken = status.steps[1]!;
    expect(broken.exit_code).toBe(3);
    expect(broken.output_tail).toHaveLength(20);
    expect(broken.output_tail.at(-2)).toBe('line 29 "q" \\ tab\there');
    expect(broken.output_tail.at(-1)).toBe('\ufffd\u0001 bytes');
    // Every skip names the step that actually failed, also two capabilities down (issue 13 bug 3).
    expect(status.steps[2]!.reason).toBe('step 02-base-broken failed');
    expect(status.steps[4]!.reason).toBe('step 02-base-broken failed');
    expect(status.steps[5]!.reason).toBe('step 02-base-broken failed');
    expect(status.steps[6]!.depends_on).toEqual(['base', 'other', 'child']);
    expect(bootLog).not.toContain('should-not-run');
    expect(bootLog).toContain('==> [base] broken: FAILED with exit code 3');
    expect(bootLog).toContain('==> [child] x: skipped (step 02-base-broken failed)');
    expect(bootLog).toContain('==> [grandchild] x: skipped (step 02-base-broken failed)');
    expect(bootLog).toContain('==> [app] start: skipped (step 02-base-broken failed)');
  });
  it('skips a capability a local boot test cannot run, and what depends on it, with the reason', () => {
    const { result, status, bootLog } = runBoot(
      [
        step('01-gpu-check', 'gpu', '#!/bin/bash\necho should-not-run\n'),
        step('02-other-ok', 'other', '#!/bin/bash\necho independent\n'),
        step('03-app-start', 'app', '#!/bin/bash\necho should-not-run\n', ['gpu', 'other']),
      ],
      'gpu\tno NVIDIA GPU on this machine\n',
    );
    const byId = Object.fromEntries(status.steps.map((s) => [s.id, s]));
    expect(byId['01-gpu-check']!.state).toBe('skipped');
    expect(byId['01-gpu-check']!.reason).toBe('gpu cannot run here: no NVIDIA GPU on this machine');
    expect(byId['02-other-ok']!.state).toBe('ok');
    expect(byId['03-app-start']!.state).toBe('skipped');
    expect(byId['03-app-start']!.reason).toBe('gpu cannot run here: no NVIDIA GPU on this machine');
    expect(bootLog).not.toContain('should-not-run');
    // Nothing failed: the boot is not an error, and nothing was faked either.
    expect(result.status).toBe(0);
    expect(status.state).toBe('done');
  });

  it('offers the shared apt transaction only the packages of capabilities that can still run', () => {
    const show = '#!/bin/bash\necho "together: $LINODE_BUILD_APT_TOGETHER"\n';
    const { status } = runBoot(
      [
        step('01-base-show', 'base', show),
        step('02-base-broken', 'base', '#!/bin/bash\nexit 1\n'),
        step('03-other-show', 'other', show),
      ],
      'gpu\tno NVIDIA GPU on this machine\n',
      [
        packagesListFile([
          { capability: 'gpu', dependsOn: [], packages: ['nvidia-driver'] },
          { capability: 'base', dependsOn: [], packages: ['a', 'b'] },
          { capability: 'child', dependsOn: ['base'], packages: ['c'] },
          { capability: 'uses-gpu', dependsOn: ['gpu'], packages: ['g'] },
          { capability: 'other', dependsOn: [], packages: ['d'] },
        ]),
      ],
    );
    const byId = Object.fromEntries(status.steps.map((s) => [s.id, s]));
    // gpu cannot run here (nor what needs it); after base failed, neither base nor its dependents.
    expect(byId['01-base-show']!.output_tail).toEqual(['together: a b c d']);
    expect(byId['03-other-show']!.output_tail).toEqual(['together: d']);
  });
});
