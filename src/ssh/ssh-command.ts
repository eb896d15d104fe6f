import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CommandArgs, CommandContext } from '../cli/framework/command.js';
import { shellJoin } from '../quote/index.js';
import { secretPath } from '../state/secrets.js';
import { sshArgv } from './command.js';
import { ensureKnownHosts } from './known-hosts.js';
import { sshHostOf } from './replica.js';
import { runSsh } from './run.js';
import { type RemoteLookup, resolveSshTarget } from './target.js';

/** Finds a deployment made elsewhere by its tags; no token or no API means "not found". */
const remoteLookup =
  (env: NodeJS.ProcessEnv): RemoteLookup =>
  async (id) => {
    const { collectDeployments } = await import('../status/collect.js');
    const views = await collectDeployments({ env, filters: { id }, checkHealth: false }).catch(() => []);
    const view = views.length === 1 ? views[0] : undefined;
    if (!view) return undefined;
    const members = (view.replicas ?? []).map((replica) => ({
      index: replica.index,
      linodeId: replica.linodeId,
      ...(replica.ipv4 ? { ipv4: replica.ipv4 } : {}),
    }));
    return {
      id: view.id,
      app: view.app,
      env: view.env,
      ...(view.ipv4 ? { ipv4: view.ipv4 } : {}),
      ...(members.length > 0 ? { scale: { replicas: members.length, members } } : {}),
    };
  };

/** --identity, else the key the deploy recorded (when it is still there), else ssh's own choice. */
function identity(given: string | undefined, recorded: string | undefined, cwd: string) {
  if (given) return { identityFile: path.resolve(cwd, given) };
  return recorded && existsSync(recorded) ? { identityFile: recorded } : {};
}

export async function ssh(
  args: CommandArgs<
    { readonly identity: string | undefined; readonly print: boolean; readonly replica: string | undefined },
    { readonly id: string | undefined }
  >,
  context: CommandContext,
): Promise<number> {
  const { out, env, cwd } = context;
  const target = await resolveSshTarget({
    ...(args.positionals.id ? { id: args.positionals.id } : {}),
    cwd,
    env,
    remote: remoteLookup(env),
  });
  // A deployment with replicas records the NodeBalancer's address: SSH goes to one replica.
  const host = sshHostOf(target, args.options.replica) ?? { ipv4: target.ipv4, hostKeyId: target.id };
  if (host.replica && args.options.replica === undefined) {
    out.info(`Using ${host.replica}; name another with --replica N.`);
  }
  const knownHostsFile = await ensureKnownHosts(env);
  const argv = sshArgv({
    ...(env.LINODE_BUILD_SSH ? { program: env.LINODE_BUILD_SSH } : {}),
    deploymentId: host.hostKeyId,
    host: host.ipv4,
    knownHostsFile,
    ...identity(args.options.identity, target.sshIdentityFile, cwd),
    extra: args.rest ?? [],
  });
  if (args.options.print) {
    out.line(shellJoin(argv));
    return 0;
  }
  const password = secretPath(env, target.id, 'root-password');
  out.info(`Connecting to ${target.id} (${target.app}, ${target.env}) at ${host.ipv4}`);
  if (existsSync(password)) {
    out.info(`If your key is refused, the root password is in ${password} (mode 0600).`);
  }
  return runSsh(argv, env);
}
