/**
 * The dashboard in a real terminal (tmux, the BUILT binary, the fake API) marks a deployment
 * with replicas whose roll no deploy finished: one whose roll stopped at a replica (its update
 * over SSH failed, so deploy exited 1) and one whose deploy was killed (SIGKILL) while a replica
 * was drained. Both marks come from real deploys, not from an edited registry: the row's STATUS
 * says `(roll stopped)` / `(roll interrupted)` and the detail view where, why and what next.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { appTemplateYml } from '../support/app-template.js';
import { killedOnStderr } from '../support/processes.js';
import { snapshotBuild } from '../support/snapshot.js';
import { detailOfBothRows, launchDashboard, sendKeys, waitForScreen } from '../support/tmux.js';
import { toolsAvailable } from '../support/tools.js';

const haveTmux = toolsAvailable('tmux');
const session = `lb-tui-roll-${process.pid}`;
const waitFor = (predicate: (text: string) => boolean, what: string) =>
  waitForScreen(session, predicate, what);

describe.skipIf(!haveTmux)('tui marks a roll that stopped apart from one cut short', () => {
  let lab: Lab;
  let bin: string;
  let project: string;
  let failingSsh: string;
  const ids: Record<'prod' | 'staging', string> = { prod: '', staging: '' };

  beforeAll(async () => {
    bin = await snapshotBuild('lb-tui-roll-build-');
    lab = await startLab({ provisionMs: 50, bootMs: 50, deleteMs: 50 });
    project = await lab.project('rolls', 'embeddings-python');
    writeFileSync(
      path.join(project, 'deploy.yml'),
      appTemplateYml().replace(
        '    region_default: us-ord\n',
        '    region_default: us-ord\n    replicas: 2\n',
      ),
    );
    writeFileSync(path.join(project, '.env'), "GREETING='first'\n", { mode: 0o600 });
    // No replica answers SSH here: an app update fails on the first replica it reaches.
    failingSsh = path.join(lab.home, 'ssh-refused');
    writeFileSync(
      failingSsh,
      '#!/bin/sh\necho "ssh: connect to host port 22: Connection refused" >&2\nexit 255\n',
      {
        mode: 0o700,
      },
    );
    for (const env of ['prod', 'staging'] as const) {
      const created = await lab.run(['deploy', '--yes', '--json', '--env', env], { cwd: project });
      expect(created.code, created.stderr).toBe(0);
      ids[env] = JSON.parse(created.stdout).id;
    }
  }, 120_000);

  afterAll(async () => {
    spawnSync('tmux', ['kill-session', '-t', session]);
    for (const id of Object.values(ids)) if (id) await lab?.run(['destroy', id, '--yes']);
    await lab?.close();
  });

  /** Runs `deploy --env ENV` (the built CLI) and kills it (SIGKILL) once replica 1 is drained. */
  const killedAtDrain = (env: string) =>
    killedOnStderr(
      bin,
      ['deploy', '--yes', '--env', env],
      {
        cwd: project,
        env: { ...process.env, ...lab.env, LINODE_BUILD_SSH: failingSsh, LINODE_BUILD_DRAIN_SECONDS: '120' },
      },
      'draining for',
    );

  it('shows (roll stopped) and (roll interrupted) in the rows, and where and why in the detail view', async () => {
    writeFileSync(path.join(project, '.env'), "GREETING='second'\n", { mode: 0o600 });
    // prod: the roll stops on its own at replica 1.
    const stopped = await lab.run(['deploy', '--yes', '--env', 'prod'], {
      cwd: project,
      env: { LINODE_BUILD_SSH: failingSsh, LINODE_BUILD_DRAIN_SECONDS: '0' },
    });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('the roll stopped at replica 1/2');

    // staging: the deploy is killed while replica 1 is drained.
    const stderr = await killedAtDrain('staging');
    expect(stderr).toContain('replica 1/2: draining for 120s');

    launchDashboard(session, bin, lab.home, lab.env);
    const list = await waitFor(
      (t) => t.includes(ids.prod) && t.includes(ids.staging) && t.includes('(roll'),
      'both deployments with their roll marks',
    );
    const row = (text: string, id: string) => text.split('\n').find((line) => line.includes(id)) ?? '';
    expect(row(list, ids.prod)).toContain('2/2 running (roll stopped)');
    expect(row(list, ids.staging)).toContain('2/2 running (roll interrupted)');
    expect(list.split('\n').every((line) => line.length <= 120)).toBe(true);

    // Each detail view: the selection starts on the first row; open whichever it is, then the other.
    const details = await detailOfBothRows(session, [ids.prod, ids.staging], (t) => /roll {5}\S/.test(t));
    expect(details[ids.prod]).toMatch(/roll {5}stopped at replica 1 \(update over SSH failed, exit 255\)/);
    expect(details[ids.prod]).toContain('no replica runs the new version; deploy rolls again');
    expect(details[ids.prod]).not.toContain('interrupted');
    expect(details[ids.staging]).toMatch(/roll {5}interrupted \(the deploy was cut short\)/);
    expect(details[ids.staging]).toContain('some replicas may be drained; deploy finishes it');
    expect(details[ids.staging]).not.toContain('stopped at');
    await sendKeys(session, 'q');
    await waitFor((t) => t.includes('EXITED:0'), 'the TUI to exit');
  }, 180_000);

  it('a roll that starts after a stop forgets it: killed, it reads as interrupted', async () => {
    const stderr = await killedAtDrain('prod');
    expect(stderr).toContain('replica 1/2: draining for 120s');
    const json = await lab.run(['status', ids.prod, '--json', '--no-health'], { cwd: project });
    const [view] = JSON.parse(json.stdout);
    expect(view.unfinishedRollSince).toMatch(/^\d{4}-/);
    expect(view.rollStopped).toBeUndefined();
    const text = await lab.run(['status', ids.prod, '--no-health'], { cwd: project });
    expect(text.stdout).toContain('Roll:      interrupted (the deploy was cut short)');
  }, 120_000);
});
