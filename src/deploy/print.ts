/**
 * What `plan` and `deploy` print: the plan summary and its JSON document, the created
 * instance, the template's next steps, and the report of an interrupted deploy.
 */
import type { Output } from '../cli/framework/output.js';
import { redactedCreateRequest } from '../plan/redact.js';
import { groupDigits } from '../plan/size.js';
import { secretPath } from '../state/secrets.js';
import type { DeploymentRecord } from '../state/types.js';
import { appUrl } from '../status/endpoint.js';
import { formatDiagnostic } from '../template/diagnostics.js';
import type { Template } from '../template/types.js';
import { changeLines, replicaChange } from './changes-text.js';
import type { PreparedPlan } from './prepare.js';
import type { PlanCost } from './scale-prices.js';
import { printScale, scaleDocument } from './scale-text.js';

export function planDocument(prepared: PreparedPlan, cost?: PlanCost) {
  const { plan } = prepared;
  return {
    preview: true,
    deploymentId: plan.context.deploymentId,
    template: {
      name: plan.template.name,
      version: plan.template.version,
      source: prepared.loaded.source,
      file: prepared.loaded.file,
    },
    region: plan.context.region,
    type: plan.context.type,
    image: plan.context.image,
    /** Where each came from: flag, deploy.yml, template, linode-cli default, built-in default. */
    origins: prepared.origins,
    replicas: prepared.replicas,
    scale: prepared.scale
      ? {
          ...scaleDocument(prepared.scale),
          ...(cost?.placement ? { placement: cost.placement } : {}),
        }
      : null,
    ...(cost
      ? { cost: cost.sheet ?? null, ...(cost.unavailable ? { costUnavailable: cost.unavailable } : {}) }
      : {}),
    capabilities: plan.capabilities,
    packages: plan.packages,
    steps: plan.steps,
    ports: plan.ports,
    envNames: plan.envNames,
    placeholders: prepared.placeholders,
    size: plan.size,
    files: plan.files ?? [],
    createRequest: redactedCreateRequest(plan),
    firewallRequest: plan.firewall,
    warnings: plan.warnings,
    expiresAt: plan.context.expiresAt?.toISOString(),
    deployment: prepared.existing
      ? {
          id: prepared.existing.record.id,
          status: prepared.existing.record.status,
          action: prepared.action,
          changes: prepared.changes ?? [],
          replicas: replicaChange(prepared) ?? null,
        }
      : null,
  };
}

export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

const number = groupDigits;

export function printPlanSummary(out: Output, prepared: PreparedPlan, cost?: PlanCost): void {
  const { plan } = prepared;
  const bold = (text: string) => out.style('bold', text);
  const { context } = plan;
  out.line(`${bold('Plan')} for ${prepared.description}`);
  const { origins } = prepared;
  out.line(`  ${prepared.existing ? 'deployment' : 'preview'} id ${context.deploymentId}`);
  out.line(
    `  region ${context.region} (${origins.region}) · type ${context.type} (${origins.type}) · image ${context.image} (${origins.image})`,
  );
  out.line(
    `  label ${plan.instance.label}${context.expiresAt ? ` · expires ${context.expiresAt.toISOString()}` : ''} · nothing is created by plan`,
  );
  const changes = changeLines(prepared);
  if (changes.length > 0) {
    out.line();
    out.line(bold(changes[0]!));
    for (const line of changes.slice(1)) out.line(line);
  }
  printScale(out, prepared, cost);
  out.line();
  out.line(bold('Capabilities (boot order)'));
  out.table(plan.capabilities, [
    { header: '  NAME', value: (c) => `  ${c.name}` },
    { header: 'ADDED BY', value: (c) => c.addedBy },
  ]);
  out.line();
  out.line(`${bold('Packages')} (${plan.packages.length}): ${plan.packages.join(', ') || 'none'}`);
  out.line();
  out.line(bold(`Boot steps (${plan.steps.length}), run in order by the boot runner`));
  out.table(plan.steps, [
    { header: '  ID', value: (s) => `  ${s.id ?? s.name}` },
    { header: 'DESCRIPTION', value: (s) => s.description },
  ]);
  out.line();
  out.line(bold('Inbound firewall (everything else dropped)'));
  out.table(plan.ports, [
    { header: '  PORT', value: (p) => `  ${p.protocol} ${p.port}` },
    { header: 'WHAT', value: (p) => p.description },
  ]);
  out.line();
  out.line(`${bold('Env shipped to the app')} (names only; values are never printed)`);
  out.line(
    `  ${plan.envNames.map((name) => (prepared.placeholders.includes(name) ? `${name}*` : name)).join(', ')}`,
  );
  if (prepared.placeholders.length > 0) {
    out.line(
      `  * placeholder value: no value was given for ${prepared.placeholders.join(', ')}; set it in .env before deploying`,
    );
  }
  out.line();
  const { size } = plan;
  const percent = Math.round((size.total / size.limit) * 100);
  const how =
    size.encoding === 'gzip'
      ? `, the gzip of a ${number(size.document)}-byte #cloud-config that cloud-init unpacks`
      : ' of plain #cloud-config';
  out.line(`${bold('User-data')}: ${number(size.total)} of ${number(size.limit)} bytes (${percent}%)${how}`);
  out.table(size.parts, [
    { header: '  PART', value: (p) => `  ${p.name}` },
    { header: 'TEXT BYTES', value: (p) => number(p.bytes), align: 'right' },
  ]);
  out.line();
  out.line(`${bold('Create request')} (POST /linode/instances; root_pass and user_data redacted)`);
  for (const line of jsonText(redactedCreateRequest(plan)).trimEnd().split('\n')) out.line(`  ${line}`);
  out.line(
    `  authorized_keys are added by deploy (--ssh-key or ~/.ssh/*.pub); firewall ${plan.firewall.label}`,
  );
  if (plan.warnings.length > 0) {
    out.info('');
    for (const warning of plan.warnings) out.info(formatDiagnostic(warning));
  }
}

export function interruptReport(
  record: DeploymentRecord | undefined,
  hourlyPrice: number | undefined,
): [string, string] {
  if (!record)
    return ['Interrupted before anything was created.', "Run 'linode-build deploy' again to start over."];
  const replacing = record.scale?.replacing;
  if (replacing) {
    // A replica's new instance may exist beside its old one: both are billed, and plain deploy
    // would delete the new one rather than continue.
    const inFlight = record.scale?.members.filter((member) => member.replacement) ?? [];
    const news = inFlight.map((member) =>
      member.replacement?.linodeId !== undefined
        ? `Linode ${member.replacement.linodeId} (replica ${member.index})`
        : `replica ${member.index}'s (maybe mid-create)`,
    );
    return [
      `Interrupted: the replace of ${record.id}'s replicas with ${replacing.type} is recorded; ${replacing.done.length} of ${record.scale?.replicas} done${news.length > 0 ? `, new instance ${news.join(', ')} billed beside the old one` : ''}.`,
      `Continue with 'linode-build deploy --replace' (it reuses what exists), undo the change and run 'linode-build deploy --replace' to go back, or remove everything with 'linode-build destroy ${record.id}'.`,
    ];
  }
  const instance =
    record.linodeId !== undefined
      ? `Linode ${record.linodeId}${record.ipv4 ? ` (${record.ipv4})` : ''} exists and is billed${hourlyPrice !== undefined ? ` at $${hourlyPrice}/hour` : ''} until destroyed`
      : 'its instance may be mid-create';
  return [
    `Interrupted: deployment ${record.id} (${record.app}, ${record.env}) is recorded; ${instance}.`,
    `Continue with 'linode-build deploy' (it resumes ${record.id}, never a second instance), or remove it with 'linode-build destroy ${record.id}'.`,
  ];
}

export function resultJson(record: DeploymentRecord) {
  return {
    id: record.id,
    app: record.app,
    env: record.env,
    label: record.label,
    linodeId: record.linodeId,
    firewallId: record.firewallId,
    region: record.region,
    type: record.type,
    ipv4: record.ipv4,
    hostname: record.hostname,
    url: appUrl(record.hostname, record.externalPort),
    expiresAt: record.expiresAt,
    ...(record.scale
      ? {
          replicas: record.scale.replicas,
          nodeBalancerId: record.scale.nodeBalancerId,
          members: record.scale.members,
        }
      : {}),
  };
}

export function printCreated(
  out: Output,
  record: DeploymentRecord,
  env: NodeJS.ProcessEnv,
  hourlyPrice: number | undefined,
  keptRootPassword: boolean,
): void {
  const url = appUrl(record.hostname, record.externalPort);
  const scale = record.scale;
  out.line(`Deployed ${record.template} as ${out.style('bold', record.id)}`);
  if (scale) {
    const linodes = scale.members.map((member) => member.linodeId).join(', ');
    out.line(
      `  Replicas:  ${scale.replicas} × ${record.type} (Linodes ${linodes}) behind NodeBalancer ${scale.nodeBalancerId}`,
    );
    out.line(
      `  Where:     ${record.region}${hourlyPrice !== undefined ? ` ($${hourlyPrice}/hour in all, billed until destroyed)` : ''}`,
    );
    if (record.ipv4) out.line(`  IPv4:      ${record.ipv4} (the NodeBalancer)`);
  } else {
    out.line(`  Label:     ${record.label} (Linode ${record.linodeId})`);
    out.line(
      `  Where:     ${record.region}, ${record.type}${hourlyPrice !== undefined ? ` ($${hourlyPrice}/hour, billed until destroyed)` : ''}`,
    );
    if (record.ipv4) out.line(`  IPv4:      ${record.ipv4}`);
  }
  if (url) out.line(`  URL:       ${url}`);
  if (record.ipv4 && !scale) out.line(`  Connect:   linode-build ssh ${record.id}`);
  out.line(
    keptRootPassword
      ? `  Root password: ${secretPath(env, record.id, 'root-password')} (mode 0600)`
      : '  Root password: none kept (SSH keys only)',
  );
  if (record.expiresAt) out.line(`  Expires:   ${record.expiresAt}`);
}

export function printGuidance(out: Output, template: Template, record: DeploymentRecord | undefined): void {
  if (!record) return;
  const guidance = template.guidance;
  if (guidance && (guidance.summary || guidance.examples.length > 0)) {
    out.line('');
    out.line('Next steps:');
    if (guidance.summary) out.line(indent(guidance.summary.trim(), '  '));
    // `{host}` is where the app answers: with the published port unless it is HTTP's own.
    const name = record.hostname ?? record.ipv4 ?? '<host>';
    const host = record.externalPort && record.externalPort !== 80 ? `${name}:${record.externalPort}` : name;
    for (const example of guidance.examples) {
      out.line(`  ${example.description}`);
      out.line(indent(example.command.trim().replaceAll('{host}', host), '    '));
    }
  }
  out.line('');
  out.line(`Status: linode-build status ${record.id}    Remove: linode-build destroy ${record.id}`);
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}
