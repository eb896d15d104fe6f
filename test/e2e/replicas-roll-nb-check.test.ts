/**
 * A roll must not believe a NodeBalancer's UP from before the update. A NodeBalancer reports a
 * node UP until check_attempts checks in a row have failed, so right after a replica's update
 * its node still reads UP even when the new version fails the NodeBalancer's check (here: it
 * answers on the instance, so the instance's own check passes, but not to the NodeBalancer —
 * as an app listening on 127.0.0.1 only would). Trusting that UP would put the replica back
 * in rotation and drain the next one, leaving fewer than replicas − 1 serving, and finish the
 * roll "successfully" with every backend going DOWN.
 *
 * The fake runs on Linode's clock here (bootMs 30000: a 30-second boot, so a fake second is a
 * second): the template's check every 3 s, two failures take a node out, so an update over SSH
 * (~1–2 s) ends before the NodeBalancer has noticed anything, as it would on Linode.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appTemplateYml } from '../support/app-template.js';
import { freePort } from '../support/net.js';
import { useSshLab } from '../support/ssh-lab.js';
import { sshdAvailable } from '../support/sshd.js';

function replicasYml(port: number): string {
  return appTemplateYml({ port }).replace(
    '    region_default: us-ord\n',
    '    region_default: us-ord\n    replicas: 3\n',
  );
}

describe.runIf(sshdAvailable())("a roll and the NodeBalancer's own check", () => {
  const ssh = useSshLab('nb-check', { LINODE_BUILD_DRAIN_SECONDS: '0' }, { provisionMs: 50, bootMs: 30_000 });
  const deploy = (...extra: string[]) =>
    ssh.lab().run(['deploy', '--yes', '--json', '--ssh-key', `${ssh.sshd().clientKey}.pub`, ...extra], {
      cwd: ssh.project(),
      env: ssh.env(),
    });

  it("stops at the first replica whose new version fails the NodeBalancer's check, never draining a second", {
    timeout: 240_000,
  }, async () => {
    const lab = ssh.lab();
    const port = await freePort();
    writeFileSync(path.join(ssh.project(), 'deploy.yml'), replicasYml(port));
    writeFileSync(path.join(ssh.project(), '.env'), "GREETING='hello'\n", { mode: 0o600 });
    const created = await deploy();
    expect(created.code, created.stderr).toBe(0);
    const root = ssh.instance();
    root.boot(lab.fake.userDataOf(lab.fake.listInstances()[0]!.id)!);
    root.startApp();
    const [balancer] = lab.fake.nodeBalancers.list();
    const nodes = () => lab.fake.nodeBalancers.configsOf(balancer!.id).flatMap((config) => config.nodes);
    const serving = () => nodes().filter((node) => node.mode === 'accept' && node.status === 'UP').length;
    expect(serving()).toBe(3);

    // Once drained for the update, a replica's app no longer answers the NodeBalancer.
    const updated = new Set<string>();
    lab.fake.nodeBalancers.setBackendHealth(
      (instance) => !instance.ipv4.some((address) => updated.has(address)),
    );
    const samples: number[] = [];
    const drained = new Set<string>();
    const timer = setInterval(() => {
      for (const node of nodes()) {
        if (node.mode === 'drain') {
          updated.add(node.address.replace(/:\d+$/, ''));
          drained.add(node.label);
        }
      }
      samples.push(serving());
    }, 10);
    writeFileSync(path.join(ssh.project(), '.env'), "GREETING='local only'\n", { mode: 0o600 });
    let rolled: Awaited<ReturnType<typeof deploy>>;
    try {
      rolled = await deploy('--timeout', '60');
    } finally {
      clearInterval(timer);
    }
    expect(rolled.code, rolled.stderr).toBe(1);
    expect(rolled.stderr).toContain('the roll stopped at replica 1/3');
    expect(rolled.stderr).toContain("passed the instance's check but not the NodeBalancer's");
    expect([...drained].map((label) => label.slice(-2))).toEqual(['r1']);
    expect(samples.length).toBeGreaterThan(10);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(2);
    lab.fake.nodeBalancers.setBackendHealth(undefined);
  });
});
