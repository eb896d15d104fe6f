/**
 * `plan`: builds the DeployPlan without creating anything and shows it. Reads deploy.yml (or a
 * template), the .env file, and nothing else: no credentials, no SSH keys, no Linode client.
 * Secrets never reach the output: env values are shown by name, the root password and tokens
 * are placeholders, and every secret value is registered for redaction as a last defence.
 */
import path from 'node:path';
import type { CommandContext } from '../cli/framework/command.js';
import type { TargetRequest } from '../cli/target-options.js';
import { redactedCreateRequest, userDataPayloadOf } from '../plan/redact.js';
import type { DeployPlan } from '../plan/types.js';
import { writeFileAtomic } from '../state/atomic.js';
import { scrubJsonValue } from '../util/redact.js';
import { replicaChange } from './changes-text.js';
import { preparePlan } from './prepare.js';
import { jsonText, planDocument, printPlanSummary } from './print.js';
import { planCost } from './scale-prices.js';

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
    jsonText(scrubJsonValue(redactedCreateRequest(plan), plan.secretValues)),
    0o644,
  );
  await write('firewall-request.json', jsonText(scrubJsonValue(plan.firewall, plan.secretValues)), 0o644);
  return written;
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
  // Replicas are priced from the API's public lists; one replica reads nothing, as before,
  // unless it replaces a deployment of replicas (then the new total is worth the request).
  const priced = prepared.scale !== undefined || replicaChange(prepared)?.kind === 'to-single';
  const cost = priced ? await planCost(prepared, context.env) : undefined;
  if (options.json) {
    out.json({ ...planDocument(prepared, cost), written });
    return 0;
  }
  printPlanSummary(out, prepared, cost);
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
