/**
 * The dashboard in a real terminal (tmux, the BUILT binary, the fake API) marks a deployment
 * whose `deploy --replace` of its replicas no deploy finished: one that stopped on its own (a
 * new instance never passed the NodeBalancer's check; deploy exited 1) and one whose deploy was
 * killed (SIGKILL) while its first new instance served beside the old one, which it drained.
 * Both marks come from real deploys: the row's STATUS says `(replace stopped)` /
 * `(replace interrupted)` and the detail view where, who runs what, and what is billed twice.
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
const session = `lb-tui-replace-${process.pid}`;
const waitFor = (predicate: (text: string) => boolean, what: string) =>
  waitForScreen(session, predicate, what);

function deployYml(type: string): string {
  return appTemplateYml({ greeting: false })
    .replace('    region_default: us-ord\n', '    region_default: us-ord\n    replicas: 2\n')
    .replace('type_default: g6-standard-2', `type_default: ${type}`);
}

describe.skipIf(!haveTmux)('tui marks an unfinished deploy --replace of replicas', () => {
  let lab: Lab;
  let bin: string;
  let project: string;
  const ids: Record<'prod' | 'staging', string> = { prod: '', staging: '' };
  const env = { LINODE_BUILD_POLL_MS: '20', LINODE_BUILD_DRAIN_SECONDS: '0' };

  beforeAll(async () => {
    bin = await snapshotBuild('lb-tui-replace-build-');
    lab = await startLab({ provisionMs: 50, bootMs: 50, deleteMs: 50 });
    project = await lab.project('replaces', 'embeddings-python');
    writeFileSync(path.join(project, 'deploy.yml'), deployYml('g6-standard-2'));
    for (const name of ['prod', 'staging'] as const) {
      const created = await lab.run(['deploy', '--yes', '--json', '--env', name], { cwd: project, env });
      expect(created.code, created.stderr).toBe(0);
      ids[name] = JSON.parse(created.stdout).id;
    }
    writeFileSync(path.join(project, 'deploy.yml'), deployYml('g6-standard-4'));
  }, 120_000);

  afterAll(async () => {
    spawnSync('tmux', ['kill-session', '-t', session]);
    for (const id of Object.values(ids)) if (id) await lab?.run(['destroy', id, '--yes']);
    await lab?.close();
  });

  /** `deploy --replace --env staging` (the built CLI), SIGKILLed while replica 1's old instance drains. */
  const killedWhileDraining = () =>
    killedOnStderr(
      bin,
      ['deploy', '--yes', '--replace', '--env', 'staging'],
      { cwd: project, env: { ...process.env, ...lab.env, ...env, LINODE_BUILD_DRAIN_SECONDS: '120' } },
      'draining Linode',
    );

  it('shows (replace stopped) and (replace interrupted) in the rows, and who runs what in the detail view', async () => {
    // prod: replica 1's new instance never passes the check, so the replace stops on its own.
    lab.fake.nodeBalancers.setBackendHealth(
      (instance) => !instance.tags.includes(`build-replacing:${ids.prod}-1`),
    );
    const stopped = await lab.run(['deploy', '--yes', '--replace', '--timeout', '2', '--env', 'prod'], {
      cwd: project,
      env,
    });
    lab.fake.nodeBalancers.setBackendHealth(undefined);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain('the replace stopped');

    // staging: killed while its first new instance serves beside the old one.
    expect(await killedWhileDraining()).toContain('replica 1/2: draining Linode');
    const surge = lab.fake
      .listInstances()
      .find((instance) => instance.tags.includes(`build-replacing:${ids.staging}-1`));
    expect(surge).toBeDefined();

    launchDashboard(session, bin, lab.home, lab.env);
    const list = await waitFor(
      (t) => t.includes(ids.prod) && t.includes(ids.staging) && t.includes('(replace'),
      'both deployments with their replace marks',
    );
    const row = (text: string, id: string) => text.split('\n').find((line) => line.includes(id)) ?? '';
    expect(row(list, ids.prod)).toContain('2/2 running (replace stopped)');
    // The new instance is not counted as a third replica (the detail view names it).
    expect(row(list, ids.staging)).toContain('2/2 running (replace interrupted)');
    expect(list.split('\n').every((line) => line.length <= 120)).toBe(true);

    const details = await detailOfBothRows(session, [ids.prod, ids.staging], (t) => /replace {2}\S/.test(t));
    expect(details[ids.prod]).toMatch(/replace {2}stopped at replica 1 \(its new instance failed/);
    expect(details[ids.prod]).toContain('0 of 2 on g6-standard-4; deploy --replace finishes it');
    expect(details[ids.prod]).not.toContain('billed beside');
    expect(details[ids.staging]).toMatch(/replace {2}interrupted \(the deploy ended before it finished\)/);
    expect(details[ids.staging]).toContain('0 of 2 on g6-standard-4; deploy --replace finishes it');
    expect(details[ids.staging]).toContain(`new Linode ${surge!.id} (r1) billed beside the old`);
    await sendKeys(session, 'q');
    await waitFor((t) => t.includes('EXITED:0'), 'the TUI to exit');
  }, 180_000);
});
