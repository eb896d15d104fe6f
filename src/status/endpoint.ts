/**
 * Where a deployment can be reached: Linode's default reverse-DNS hostname, the app URL on the
 * published (external) port, and the health-check target.
 *
 * LINODE_BUILD_HEALTH_HOST (test only) replaces `ip:port` of every health check, so tests can
 * point checks at a local HTTP server while the fake API hands out addresses.
 */

export function linodeHostname(ipv4: string | undefined): string | undefined {
  return ipv4 ? `${ipv4.replaceAll('.', '-')}.ip.linodeusercontent.com` : undefined;
}

export function appUrl(host: string | undefined, externalPort: number | undefined): string | undefined {
  if (!host || externalPort === undefined) return undefined;
  return externalPort === 80 ? `http://${host}` : `http://${host}:${externalPort}`;
}

/** `host:port` a remote health check connects to. */
export function healthAddress(
  ipv4: string | undefined,
  externalPort: number | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const override = env.LINODE_BUILD_HEALTH_HOST?.trim();
  if (override) return override;
  if (!ipv4 || externalPort === undefined) return undefined;
  return `${ipv4}:${externalPort}`;
}
