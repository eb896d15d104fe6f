/** The human view of a template (`templates show`). */
import type { Output } from '../cli/framework/output.js';
import type { EnvVarSpec, Template } from './types.js';

function envLines(title: string, variables: readonly EnvVarSpec[]): string[] {
  if (variables.length === 0) return [`${title}: none`];
  return [
    `${title}:`,
    ...variables.map((variable) => {
      const description = variable.description.split('\n')[0] ?? '';
      return `  ${variable.name}${variable.secret ? ' (secret)' : ''}${description ? `: ${description}` : ''}`;
    }),
  ];
}

/** The human view of a template. Container env shows names only: values may hold secrets. */
export function describeTemplate(out: Output, template: Template, source: string): void {
  const linode = template.deploy.linode;
  const container = linode.container;
  const features = template.capabilities.features.map((feature) => feature.name);
  const rows: [string, string][] = [
    ['Name', template.name],
    ['Display name', template.display_name],
    ['Version', template.version],
    ['Source', source],
    ['Runtime', template.capabilities.runtime],
    ['Features', features.join(', ') || 'none'],
    ...(template.capabilities.packages.length > 0
      ? ([['Packages', template.capabilities.packages.join(', ')]] as [string, string][])
      : []),
    ['Region', linode.region_default ?? '(set with --region)'],
    ['Plan', linode.type_default ?? '(set with --type)'],
    ['OS image', linode.image],
  ];
  if (template.lifetime) rows.push(['Lifetime', template.lifetime]);
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  for (const [label, value] of rows) out.line(`${`${label}:`.padEnd(width)} ${value}`);
  if (template.description) out.line(`\n${template.description}`);
  if (container) {
    out.line('\nContainer:');
    out.line(`  Image:   ${container.image}`);
    out.line(
      `  Ports:   ${container.external_port} (published) -> ${container.internal_port} (in the container)`,
    );
    if (container.command !== undefined) {
      out.line(
        `  Command: ${typeof container.command === 'string' ? container.command : JSON.stringify(container.command)}`,
      );
    }
    if (container.volumes.length > 0) out.line(`  Volumes: ${container.volumes.join(', ')}`);
    const envNames = Object.keys(container.env);
    if (envNames.length > 0) out.line(`  Env:     ${envNames.join(', ')}`);
    if (container.post_start_script !== undefined) out.line('  Post-start script: yes');
    const health = container.health;
    if (health) {
      const target =
        health.type === 'http'
          ? `${health.path} on port ${health.port}`
          : health.type === 'tcp'
            ? `port ${health.port}`
            : (health.command ?? []).join(' ');
      out.line(
        `  Health:  ${health.type} ${target}; first check after ${health.initial_delay_seconds}s, every ${health.interval_seconds}s, ${health.max_retries} tries`,
      );
    } else out.line('  Health:  none');
  }
  if (template.setup.files.length > 0 || template.setup.script !== undefined) {
    out.line('\nSetup:');
    for (const file of template.setup.files) out.line(`  ${file.path} (${file.permissions}, ${file.owner})`);
    if (template.setup.script !== undefined) out.line('  setup script: yes');
  }
  out.line('');
  for (const line of envLines('Required env', template.env.required)) out.line(line);
  for (const line of envLines('Optional env', template.env.optional)) out.line(line);
}
