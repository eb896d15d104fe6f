/**
 * The per-deployment Cloud Firewall: inbound DROP by default; the app's published port and
 * SSH open to everyone; the template's extra rules with their sources; capability ports
 * marked public. Outbound is open (the instance pulls images and packages).
 */
import type { PortRule } from '../capability/types.js';
import type { Template } from '../template/types.js';
import { firewallLabel, ruleLabel } from './labels.js';
import type { FirewallCreateBody, FirewallRule } from './types.js';

const ANYWHERE = { ipv4: ['0.0.0.0/0'], ipv6: ['::/0'] } as const;

export interface OpenPort {
  readonly port: number;
  readonly protocol: string;
  readonly description: string;
}

function addresses(sources: readonly string[]): FirewallRule['addresses'] {
  const ipv4 = sources.filter((source) => !source.includes(':'));
  const ipv6 = sources.filter((source) => source.includes(':'));
  return { ...(ipv4.length > 0 ? { ipv4 } : {}), ...(ipv6.length > 0 ? { ipv6 } : {}) };
}

export interface FirewallInput {
  readonly template: Template;
  readonly appName: string;
  readonly deploymentId: string;
  readonly tags: readonly string[];
  /** Public capability ports, with the capability that asked for them. */
  readonly capabilityPorts: readonly { readonly capability: string; readonly rule: PortRule }[];
}

export function buildFirewall(input: FirewallInput): { body: FirewallCreateBody; ports: OpenPort[] } {
  const inbound: FirewallRule[] = [];
  const ports: OpenPort[] = [];
  const container = input.template.deploy.linode.container;
  if (container) {
    const port = container.external_port;
    inbound.push({
      label: ruleLabel(`app-tcp-${port}`),
      action: 'ACCEPT',
      protocol: 'TCP',
      ports: String(port),
      addresses: ANYWHERE,
      description: `App (container port ${container.internal_port})`,
    });
    ports.push({ port, protocol: 'TCP', description: `app → container port ${container.internal_port}` });
  }
  inbound.push({
    label: 'ssh-tcp-22',
    action: 'ACCEPT',
    protocol: 'TCP',
    ports: '22',
    addresses: ANYWHERE,
    description: 'SSH',
  });
  ports.push({ port: 22, protocol: 'TCP', description: 'SSH' });
  input.template.deploy.linode.firewall.inbound.forEach((rule, index) => {
    inbound.push({
      label: ruleLabel(`template-${index + 1}-${rule.protocol}`),
      action: 'ACCEPT',
      protocol: rule.protocol,
      ports: rule.ports,
      addresses: addresses(rule.sources),
      description: rule.description ?? 'From the template',
    });
    const first = Number.parseInt(rule.ports, 10);
    ports.push({
      port: first,
      protocol: rule.protocol,
      description: `${rule.description ?? 'template rule'} (ports ${rule.ports}, from ${rule.sources.join(', ')})`,
    });
  });
  for (const { capability, rule } of input.capabilityPorts) {
    // A private port opens only to the sources it names (e.g. buildwatch's allowed_sources);
    // with none it stays closed and is reached through an SSH tunnel.
    const sources = rule.public ? undefined : (rule.sources ?? []);
    if (sources?.length === 0) continue;
    inbound.push({
      label: ruleLabel(`${capability}-${rule.protocol}-${rule.port}`),
      action: 'ACCEPT',
      protocol: rule.protocol,
      ports: String(rule.port),
      addresses: sources ? addresses(sources) : ANYWHERE,
      description: rule.description,
    });
    ports.push({
      port: rule.port,
      protocol: rule.protocol,
      description: `${capability}: ${rule.description}${sources ? ` (from ${sources.join(', ')})` : ''}`,
    });
  }
  const body: FirewallCreateBody = {
    label: firewallLabel(input.appName, input.deploymentId),
    tags: input.tags,
    rules: { inbound_policy: 'DROP', outbound_policy: 'ACCEPT', inbound, outbound: [] },
  };
  return { body, ports };
}
