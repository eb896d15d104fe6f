/**
 * `plan`: builds the DeployPlan without creating anything and shows it. Reads deploy.yml (or a
 * template), the .env file, and nothing else: no credentials, no SSH keys, no Linode client.
 * Secrets never reach the output: env values are shown by name, the root password and tokens
 * are placeholders, and every secret value is registered for redaction as a last defence.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { registryKnowledge } from '../../catalog/capability-names.js';
import { DEPLOY_FILE, resolveTemplate } from '../../catalog/index.js';
import { newDeploymentId } from '../../deploy/identity.js';
import { parseDotenv } from '../../env/dotenv.js';
import { placeholderEnv } from '../../env/placeholders.js';
import { CliError, UsageError } from '../../errors.js';
import { buildPlan } from '../../plan/index.js';
import { redactedCreateRequest, userDataPayloadOf } from '../../plan/redact.js';
import { groupDigits } from '../../plan/size.js';
import { deploymentTarget } from '../../plan/target.js';
import type { DeployPlan } from '../../plan/types.js';
import { writeFileAtomic } from '../../state/atomic.js';
import { formatDiagnostic } from '../../template/diagnostics.js';
import { loadTemplateFile } from '../../template/load.js';
import type { LoadedTemplate } from '../../template/types.js';
import { scrubJsonValue } from '../../util/redact.js';
import type { planSpec } from '../commands/plan.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';
import type { Output } from '../framework/output.js';

type Args = ArgsOf<typeof planSpec>;

/** Stand-ins for the secrets deploy generates; plan output never needs the real ones. */
const PREVIEW_ROOT_PASS = 'preview-root-password-not-used';
const PREVIEW_WATCHER_TOKEN = 'preview-watcher-token-not-used';

interface Source {
  readonly loaded: LoadedTemplate;
  readonly dotenv: Record<string, string>;
  readonly placeholders: string[];
  readonly description: string;
}

function readEnvFile(file: string): Record<string, string> {
  try {
    return parseDotenv(readFileSync(file, 'utf8'));
  } catch (error) {
    if (error instanceof CliError) throw error; // the file's own problem (an unclosed quote)
    throw new CliError(
      `cannot read env file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
      'Check the path given with --env-file.',
    );
  }
}

async function loadSource(args: Args, context: CommandContext): Promise<Source> {
  const { options } = args;
  const knowledge = await registryKnowledge();
  const envFile = options['env-file'] ? path.resolve(context.cwd, options['env-file']) : undefined;
  if (envFile && !existsSync(envFile)) {
    throw new CliError(`env file ${envFile} not found.`, 'Check the path given with --env-file.');
  }
  if (options.template !== undefined) {
    if (options.directory !== undefined) {
      throw new UsageError('--template and --directory cannot be used together.', 'Give one of them.');
    }
    const loaded = resolveTemplate(options.template, { cwd: context.cwd, env: context.env, knowledge });
    const filled = placeholderEnv(loaded.template, envFile ? readEnvFile(envFile) : {});
    return {
      loaded,
      dotenv: filled.values,
      placeholders: filled.names,
      description: `${loaded.source} template ${loaded.template.name} ${loaded.template.version}`,
    };
  }
  const directory = path.resolve(context.cwd, options.directory ?? '.');
  const file = path.join(directory, DEPLOY_FILE);
  if (!existsSync(file)) {
    throw new CliError(
      `no ${DEPLOY_FILE} in ${directory}.`,
      "Plan a template with 'linode-build plan --template NAME', or create a project with 'linode-build init NAME'.",
    );
  }
  const loaded = loadTemplateFile(file, { ...knowledge, source: 'path', displayPath: file });
  const defaultEnv = path.join(directory, '.env');
  const dotenv = envFile ? readEnvFile(envFile) : existsSync(defaultEnv) ? readEnvFile(defaultEnv) : {};
  return { loaded, dotenv, placeholders: [], description: file };
}

function makePlan(args: Args, source: Source, now: Date): DeployPlan {
  const { options } = args;
  const template = source.loaded.template;
  const target = deploymentTarget(
    template,
    {
      region: options.region,
      type: options.type,
      image: options.image,
      appName: options['app-name'],
      envName: options.env,
      ttl: options.ttl,
      userDataEncoding: options['user-data-encoding'],
    },
    now,
  );
  const watcher = template.capabilities.features.some((feature) => feature.name === 'buildwatch');
  return buildPlan({
    template,
    dotenv: source.dotenv,
    context: {
      deploymentId: newDeploymentId(),
      appName: target.appName,
      envName: target.envName,
      now,
      region: target.region,
      type: target.type,
      image: target.image,
      sshKeys: [],
      rootPass: PREVIEW_ROOT_PASS,
      secrets: watcher ? { watcherToken: PREVIEW_WATCHER_TOKEN } : {},
      ...(target.expiresAt ? { expiresAt: target.expiresAt } : {}),
      userDataEncoding: target.userDataEncoding,
    },
  });
}

function planDocument(plan: DeployPlan, source: Source) {
  return {
    preview: true,
    deploymentId: plan.context.deploymentId,
    template: {
      name: plan.template.name,
      version: plan.template.version,
      source: source.loaded.source,
      file: source.loaded.file,
    },
    region: plan.context.region,
    type: plan.context.type,
    image: plan.context.image,
    capabilities: plan.capabilities,
    packages: plan.packages,
    steps: plan.steps,
    ports: plan.ports,
    envNames: plan.envNames,
    placeholders: source.placeholders,
    size: plan.size,
    files: plan.files ?? [],
    createRequest: redactedCreateRequest(plan),
    firewallRequest: plan.firewall,
    warnings: plan.warnings,
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

function printSummary(out: Output, plan: DeployPlan, source: Source): void {
  const bold = (text: string) => out.style('bold', text);
  const { context } = plan;
  out.line(`${bold('Plan')} for ${source.description}`);
  out.line(
    `  preview id ${context.deploymentId} · region ${context.region} · type ${context.type} · image ${context.image}`,
  );
  out.line(`  label ${plan.instance.label} · nothing is created by plan`);
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
    `  ${plan.envNames.map((name) => (source.placeholders.includes(name) ? `${name}*` : name)).join(', ')}`,
  );
  if (source.placeholders.length > 0) {
    out.line(
      `  * placeholder value: no .env was given for ${source.placeholders.join(', ')}; set it before deploying`,
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

export default async function plan(args: Args, context: CommandContext): Promise<number> {
  const { out } = context;
  const source = await loadSource(args, context);
  const result = makePlan(args, source, new Date());
  for (const secret of result.secretValues) out.redact(secret);
  const written = args.options.out ? await writeOut(path.resolve(context.cwd, args.options.out), result) : [];
  if (args.options.json) {
    out.json({ ...planDocument(result, source), written });
    return 0;
  }
  printSummary(out, result, source);
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
