/**
 * The ssh argv for a deployment, pure. Host keys are checked against linode-build's own
 * known_hosts file: the first connection pins the key (accept-new), a later change makes ssh
 * refuse loudly. The pin is keyed by deployment (HostKeyAlias), not by IP address, because
 * Linode reuses addresses: a new instance on an old IP must not look like an attack, and an
 * attack on a known deployment must. Never sshpass, never a password in argv.
 */

export interface SshCommandInput {
  /** The ssh program (default `ssh`; LINODE_BUILD_SSH names another, as for the watcher tunnel). */
  readonly program?: string;
  readonly deploymentId: string;
  readonly host: string;
  readonly knownHostsFile: string;
  readonly identityFile?: string;
  readonly user?: string;
  /** ssh options placed before the host (after the host-key and identity options). */
  readonly options?: readonly string[];
  /** Extra ssh arguments (after `--`): options or a remote command. */
  readonly extra?: readonly string[];
}

/** The alias the host key is pinned under in our known_hosts. */
export function hostKeyAlias(deploymentId: string): string {
  return `linode-build-${deploymentId}`;
}

/**
 * A file path as an ssh `-o` value: ssh expands `%` tokens (so `%` is doubled) and splits on
 * whitespace unless double-quoted. A `"` cannot be carried at all.
 */
export function sshConfigPath(file: string): string {
  if (file.includes('"')) throw new Error(`an ssh option path cannot contain '"': ${file}`);
  const escaped = file.replaceAll('%', '%%');
  return /\s/.test(escaped) ? `"${escaped}"` : escaped;
}

/** The host-key options for one deployment; any ssh to a deployment should pass these. */
export function hostKeyOptions(deploymentId: string, knownHostsFile: string): string[] {
  return [
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-o',
    `UserKnownHostsFile=${sshConfigPath(knownHostsFile)}`,
    '-o',
    `HostKeyAlias=${hostKeyAlias(deploymentId)}`,
  ];
}

export function sshArgv(input: SshCommandInput): string[] {
  // ssh keeps the FIRST value of each option, so these win over anything in `extra`.
  const argv = [input.program ?? 'ssh', ...hostKeyOptions(input.deploymentId, input.knownHostsFile)];
  if (input.identityFile) argv.push('-i', input.identityFile, '-o', 'IdentitiesOnly=yes');
  argv.push(...(input.options ?? []), `${input.user ?? 'root'}@${input.host}`, ...(input.extra ?? []));
  return argv;
}
