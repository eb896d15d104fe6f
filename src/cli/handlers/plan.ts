/**
 * `plan`: builds the DeployPlan without creating anything and shows it. Reads deploy.yml (or a
 * template), the .env file, and nothing else: no credentials, no SSH keys, no Linode client.
 * Secrets never reach the output: env values are shown by name, the root password and tokens
 * are placeholders, and every secret value is registered for redaction as a last defence.
 */
import path from 'node:path';
import { changeLines } from '../../deploy/changes-text.js';
import { type PreparedPlan, preparePlan } from '../../deploy/prepare.js';
import { redactedCreateRequest, userDataPayloadOf } from '../../plan/redact.js';
import { groupDigits } from '../../plan/size.js';
import type { DeployPlan } from '../../plan/types.js';
import { writeFileAtomic } from '../../state/atomic.js';
import { formatDiagnostic } from '../../template/diagnostics.js';
import { scrubJsonValue } from '../../util/redact.js';
import type { planSpec } from '../commands/plan.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';
import type { Output } from '../framework/output.js';
import { type TargetRequest, targetRequest } from '../target-options.js';

type Args = ArgsOf<typeof planSpec>;

function planDocument(prepared: PreparedPlan) {
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
    replicas: prepared.replicas,
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
        }
      : null,
  };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

async function writeOut(directory: string, plan: DeployPlan): Promise<string[]> {
  const written: string[] = [];
  // Exclusive temp file + rename (src/state/atomic.ts): an existing file's mode is never kept
  // and a symlinked target is refused, so the secrets land only in a new 0600 file.
  const write = async (name: string, content: string | Buffer, mode: number) => {
    const file = path.join(directory, name);
    await writeFileAtomic(file, content, { mode });
    written.push(file);
  };
  // The document and the exact payload hold the env values and generated secrets: owner only.
  await write('user-data.yaml', plan.userData, 0o600);
  if (plan.size.encoding === 'gzip') await write('user-data.yaml.gz', userDataPayloadOf(plan), 0o600);
  await write(
    'create-request.json',
    json(scrubJsonValue(redactedCreateRequest(plan), plan.secretValues)),
    0o644,
  );
  await write('firewall-request.json', json(scrubJsonValue(plan.firewall, plan.secretValues)), 0o644);
  return written;
}

const number = groupDigits;

function printSummary(out: Output, prepared: PreparedPlan): void {
  const { plan } = prepared;
  const bold = (text: string) => out.style('bold', text);
  const { context } = plan;
  out.line(`${bold('Plan')} for ${prepared.description}`);
  out.line(
    `  ${prepared.existing ? 'deployment' : 'preview'} id ${context.deploymentId} · region ${context.region} · type ${context.type} · image ${context.image}`,
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
  for (const line of json(redactedCreateRequest(plan)).trimEnd().split('\n')) out.line(`  ${line}`);
  out.line(
    `  authorized_keys are added by deploy (--ssh-key or ~/.ssh/*.pub); firewall ${plan.firewall.label}`,
  );
  if (plan.warnings.length > 0) {
    out.info('');
    for (const warning of plan.warnings) out.info(formatDiagnostic(warning));
  }
}

export type PlanOptions = TargetRequest & {
  readonly template?: string | undefined;
  readonly out?: string | undefined;
  readonly json?: boolean | undefined;
};

/** `plan` and `deploy --dry-run`: the same preparation as deploy, shown instead of applied. */
export async function showPlan(options: PlanOptions, context: CommandContext): Promise<number> {
  const { out } = context;
  const prepared = await preparePlan({
    cwd: context.cwd,
    env: context.env,
    mode: 'preview',
    ...options,
    now: new Date(),
  });
  const result = prepared.plan;
  for (const secret of result.secretValues) out.redact(secret);
  const written = options.out ? await writeOut(path.resolve(context.cwd, options.out), result) : [];
  if (options.json) {
    out.json({ ...planDocument(prepared), written });
    return 0;
  }
  printSummary(out, prepared);
  if (written.length > 0) {
    out.line();
    out.line(`Wrote ${written.map((file) => path.relative(context.cwd, file) || file).join(', ')}`);
    out.line(
      result.size.encoding === 'gzip'
        ? '  user-data.yaml is what cloud-init reads and user-data.yaml.gz the exact bytes sent; both hold env values and secrets (mode 0600).'
        : '  user-data.yaml is the exact payload: it contains the env values and secrets (mode 0600).',
    );
  }
  return 0;
}

export default async function plan(args: Args, context: CommandContext): Promise<number> {
  const { options } = args;
  return showPlan(
    { ...targetRequest(options), template: options.template, out: options.out, json: options.json },
    context,
  );
}
