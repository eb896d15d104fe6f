/**
 * Which machine an SSH connection to a deployment goes to. A single instance is its recorded
 * address under the deployment's host-key alias. A deployment with replicas records the
 * NodeBalancer's address, which has no sshd: SSH (the `ssh` command, the watcher tunnel of
 * `logs`, the TUI and reap) goes to one replica's own public IPv4 instead, checked against that
 * replica's pinned host key (alias `<id>-r<k>`, the one deploy and the roll pin). Pure.
 */
import { CliError, UsageError } from '../errors.js';
import type { ScaleState } from '../state/types.js';

export interface SshHost {
  readonly ipv4: string;
  /** The name the host key is pinned under (see hostKeyAlias): the deployment id, or `<id>-r<k>`. */
  readonly hostKeyId: string;
  /** For a replica: "replica 1 of 3 (id-r1, linode 42) at 192.0.2.1", to tell the user. */
  readonly replica?: string;
}

export interface SshHostSource {
  readonly id: string;
  readonly ipv4?: string;
  readonly scale?: Pick<ScaleState, 'replicas' | 'members'>;
}

/** The host-key alias id of replica `index` (the NodeBalancer node label too). */
export function replicaHostKeyId(deploymentId: string, index: number): string {
  return `${deploymentId}-r${index}`;
}

/**
 * The host for `--replica N|LABEL` (N = the replica's index; LABEL = `<id>-r<k>`, `r<k>`, or its
 * instance label `…-<id>-<k>`), the first replica when none is named, and the recorded address
 * for a single instance. Undefined when a single instance has no address yet.
 */
export function sshHostOf(source: SshHostSource, wanted?: string): SshHost | undefined {
  const members = [...(source.scale?.members ?? [])].sort((a, b) => a.index - b.index);
  if (!source.scale || members.length === 0) {
    if (wanted !== undefined) {
      throw new UsageError(
        `deployment ${source.id} has no replicas; --replica is only for a deployment behind a NodeBalancer.`,
        'Leave --replica out.',
      );
    }
    return source.ipv4 ? { ipv4: source.ipv4, hostKeyId: source.id } : undefined;
  }
  const member = wanted === undefined ? members[0] : members.find((m) => names(source.id, m.index, wanted));
  if (!member) {
    throw new UsageError(
      `deployment ${source.id} has no replica "${wanted}".`,
      `Name one by number (${members.map((m) => m.index).join(', ')}) or label (${replicaHostKeyId(source.id, members[0]?.index ?? 1)}).`,
    );
  }
  const hostKeyId = replicaHostKeyId(source.id, member.index);
  if (!member.ipv4) {
    throw new CliError(
      `replica ${member.index} of ${source.id} has no public address recorded.`,
      `Run 'linode-build status ${source.id}' to see whether it exists, or name another with --replica.`,
    );
  }
  return {
    ipv4: member.ipv4,
    hostKeyId,
    replica: `replica ${member.index} of ${source.scale.replicas} (${hostKeyId}, linode ${member.linodeId}) at ${member.ipv4}`,
  };
}

function names(deploymentId: string, index: number, wanted: string): boolean {
  const given = wanted.trim();
  if (/^\d+$/.test(given)) return Number(given) === index;
  return (
    given === replicaHostKeyId(deploymentId, index) ||
    given === `r${index}` ||
    given.endsWith(`-${deploymentId}-${index}`)
  );
}
