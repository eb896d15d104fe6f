/**
 * The setup the in-place update tests share: the fake API (fast machines), a real sshd on
 * loopback standing in for the instance's SSH, a project from a bundled template, and the env
 * that points the CLI's SSH and the update program at the sshd's private root. Registers its
 * own beforeAll/afterAll; read the parts through the returned getters inside tests.
 */
import { afterAll, beforeAll } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import type { FakeLinodeOptions } from '../fake-linode/server.js';
import { type InstanceRoot, instanceRoot } from './instance-root.js';
import { startTestSshd, type TestSshd } from './sshd.js';

export interface SshLab {
  readonly lab: () => Lab;
  readonly sshd: () => TestSshd;
  readonly project: () => string;
  readonly env: () => Record<string, string>;
  readonly instance: () => InstanceRoot;
}

export function useSshLab(
  projectName: string,
  extraEnv: Record<string, string> = {},
  labOptions: FakeLinodeOptions = {},
): SshLab {
  let lab: Lab;
  let sshd: TestSshd;
  let project: string;
  let env: Record<string, string>;
  const instance = () => instanceRoot(sshd.remoteRoot);
  beforeAll(async () => {
    lab = await startLab({ provisionMs: 50, bootMs: 50, deleteMs: 50, ...labOptions });
    sshd = await startTestSshd();
    project = await lab.project(projectName, 'embeddings-python');
    env = {
      LINODE_BUILD_SSH: sshd.sshProgram,
      LINODE_BUILD_TEST_REMOTE_ENV: instance().remoteEnv,
      ...extraEnv,
    };
  });
  afterAll(async () => {
    if (sshd) instance().stopApp();
    await sshd?.stop();
    await lab?.close();
  });
  return { lab: () => lab, sshd: () => sshd, project: () => project, env: () => env, instance };
}

/** The NodeBalancer's backends of a replicated deployment, read from the fake (all configs). */
export function backendsOf(lab: Lab, balancerId: number) {
  return lab.fake.nodeBalancers.configsOf(balancerId).flatMap((config) => config.nodes);
}

/**
 * After the first deploy of replicas: the private root boots from replica 1's user data and
 * starts the app, so every replica's SSH update has a running app to replace. Returns the
 * root and the deployment's one NodeBalancer.
 */
export function bootReplicaRoot(ssh: SshLab) {
  const lab = ssh.lab();
  const root = ssh.instance();
  root.boot(lab.fake.userDataOf(lab.fake.listInstances()[0]!.id)!);
  root.startApp();
  const [balancer] = lab.fake.nodeBalancers.list();
  return { root, balancer: balancer!, nodes: () => backendsOf(lab, balancer!.id) };
}
