/**
 * deploy converges, end to end with the built CLI: the fake Linode API (bodies checked with
 * Linode's own schemas) and a real sshd on loopback standing in for the instance's SSH, whose
 * filesystem is a private root holding exactly what the sent user-data writes.
 *
 *   deploy → deploy (unchanged: no request that changes anything) → an env value changes →
 *   deploy (same Linode, app updated in place over SSH, health-gated) → a broken image →
 *   deploy (rolled back, exit 1) → the published port changes (firewall updated through the
 *   API) → a capability is added → deploy refused → deploy --replace (new instance healthy,
 *   address moved, old deleted) → destroy.
 *
 * The fake counts instances after every step: never more than the plan allows.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../fake-linode/harness.js';
import { appTemplateYml } from '../support/app-template.js';
import { freePort } from '../support/net.js';
import { useSshLab } from '../support/ssh-lab.js';
import { sshdAvailable, type TestSshd } from '../support/sshd.js';

const canary = `a "$HOME" \`id\` %s # = ünïcode canary-7f3a`;

describe.runIf(sshdAvailable())('deploy converges', () => {
  const ssh = useSshLab('converge');
  const instance = ssh.instance;
  let lab: Lab;
  let sshd: TestSshd;
  let project: string;
  let env: Record<string, string>;
  beforeAll(() => {
    lab = ssh.lab();
    sshd = ssh.sshd();
    project = ssh.project();
    env = ssh.env();
  });

  const write = (yml: string, greeting: string) => {
    writeFileSync(path.join(project, 'deploy.yml'), yml);
    writeFileSync(path.join(project, '.env'), `GREETING='${greeting}'\n`, { mode: 0o600 });
  };
  const deploy = (...extra: string[]) =>
    lab.run(['deploy', '--yes', '--json', '--ssh-key', `${sshd.clientKey}.pub`, ...extra], {
      cwd: project,
      env,
    });
  const liveInstances = () => lab.fake.listInstances().filter((i) => i.status !== 'deleting');

  it('creates once, then changes only what differs', { timeout: 180_000 }, async () => {
    const port = await freePort();
    write(appTemplateYml({ image: 'registry.example.com/app:good', port }), 'hello');

    // 1. Create.
    const created = await deploy('--wait');
    expect(created.code, created.stderr).toBe(0);
    const first = JSON.parse(created.stdout);
    expect(first).toMatchObject({ result: 'created' });
    expect(liveInstances()).toHaveLength(1);
    const linodeId = first.linodeId as number;
    const root = instance();
    root.boot(lab.fake.userDataOf(linodeId)!);
    root.startApp();

    // 2. Nothing changed: up to date, and not one request that changes anything.
    lab.fake.clearLog();
    const again = await deploy();
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ result: 'unchanged', id: first.id, changes: [] });
    expect(lab.fake.mutatingRequests()).toEqual([]);
    expect(liveInstances()).toHaveLength(1);

    // plan in the deployed project shows the difference, never the value.
    write(appTemplateYml({ image: 'registry.example.com/app:good', port }), canary);
    const plan = await lab.run(['plan'], { cwd: project, env });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/~ env GREETING\s+value changed\s+\(in place over SSH\)/);
    expect(plan.stdout).toContain('Result: ~ update in place');
    expect(plan.stdout + plan.stderr).not.toContain('canary-7f3a');

    // 3. An env value changed: updated in place over SSH, same Linode, health-gated.
    lab.fake.clearLog();
    const updated = await deploy();
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({
      result: 'updated',
      id: first.id,
      linodeId,
      changes: [{ field: 'env GREETING', level: 'app', kind: 'changed' }],
    });
    expect(updated.stderr).toContain('Instance: updated: the app is healthy');
    expect(lab.fake.mutatingRequests()).toEqual([]);
    expect(liveInstances()).toHaveLength(1);
    const envFile = path.join(root.root, 'etc/linode-build/app.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(envFile, 'utf8')).toContain(`GREETING=${canary}\n`);
    expect(root.envSeen()).toContain(`GREETING=${canary}\n`);
    expect(root.systemctlCalls()).toContain('restart linode-build-app.service');
    expect(updated.stdout + updated.stderr).not.toContain('canary-7f3a');

    // 4. A version that never becomes healthy: rolled back to the previous one, exit 1.
    write(appTemplateYml({ image: 'registry.example.com/app:broken', port }), canary);
    const broken = await deploy();
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('the previous version was restored and is healthy');
    expect(root.image()).toBe('registry.example.com/app:good');
    expect(readFileSync(path.join(root.root, 'etc/linode-build/app.conf'), 'utf8')).toContain(
      'IMAGE=registry.example.com/app:good\n',
    );
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    // The record still describes what runs: the next deploy still sees the image change.
    const stillBroken = await lab.run(['plan', '--json'], { cwd: project, env });
    expect(JSON.parse(stillBroken.stdout).deployment.changes).toEqual([
      expect.objectContaining({ field: 'container.image', to: 'registry.example.com/app:broken' }),
    ]);

    // 5. The published port: the app moves and the firewall rules change through the API.
    const port2 = await freePort();
    write(appTemplateYml({ image: 'registry.example.com/app:good', port: port2 }), canary);
    lab.fake.clearLog();
    const moved = await deploy();
    expect(moved.code, moved.stderr).toBe(0);
    expect(JSON.parse(moved.stdout).result).toBe('updated');
    expect(lab.fake.mutatingRequests().map((r) => `${r.method} ${r.path}`)).toEqual([
      `PUT /networking/firewalls/${first.firewallId}/rules`,
    ]);
    const rules = lab.fake.listFirewalls()[0]!.rules.inbound ?? [];
    expect(rules.map((rule) => rule.ports)).toContain(String(port2));
    expect((await fetch(`http://127.0.0.1:${port2}/health`)).status).toBe(200);

    // 6. A capability: machine-level, refused without --replace; nothing changes.
    write(appTemplateYml({ image: 'registry.example.com/app:good', port: port2, features: 'redis' }), canary);
    lab.fake.clearLog();
    const refused = await deploy();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/changes what \w+'s machine was built with \(capabilities, packages/);
    expect(refused.stderr).toContain("'linode-build deploy --replace'");
    expect(lab.fake.mutatingRequests()).toEqual([]);
    expect(liveInstances()).toHaveLength(1);

    // 7. --replace: a new instance, healthy first, then the address moves and the old goes.
    const oldAddress = lab.fake.listInstances()[0]!.ipv4[0];
    const replaced = await deploy('--replace');
    expect(replaced.code, replaced.stderr).toBe(0);
    const next = JSON.parse(replaced.stdout);
    expect(next.result).toBe('replaced');
    expect(next.id).not.toBe(first.id);
    expect(next.ipv4).toBe(oldAddress);
    const remaining = liveInstances();
    expect(remaining.map((i) => i.id)).toEqual([next.linodeId]);
    expect(remaining[0]!.ipv4).toEqual([oldAddress]);
    expect(lab.fake.listFirewalls().map((f) => f.id)).toEqual([next.firewallId]);
    const order = lab.fake.mutatingRequests().map((r) => `${r.method} ${r.path.replace(/\d+/g, 'N')}`);
    expect(order).toEqual([
      'POST /networking/firewalls',
      'POST /linode/instances',
      'POST /networking/ips/assign',
      'POST /linode/instances/N/reboot',
      'DELETE /linode/instances/N',
      'DELETE /networking/firewalls/N',
    ]);
    const state = JSON.parse(readFileSync(path.join(project, '.linode/state.json'), 'utf8'));
    expect(state.envs.default.deploymentId).toBe(next.id);

    // 8. destroy: nothing left.
    const destroyed = await lab.run(['destroy', '--yes'], { cwd: project, env });
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(liveInstances()).toHaveLength(0);
    expect(lab.fake.listFirewalls()).toHaveLength(0);
    for (const output of lab.transcript) expect(output).not.toContain('canary-7f3a');
  });
});
