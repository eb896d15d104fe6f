/**
 * The in-place app update as one bash program for the instance, pure: which files an update
 * rewrites, and the script that stages them and applies them (scripts/update-app.sh). The
 * script travels as ssh's standard input, never as arguments, so secrets in app.env are never
 * in a process list.
 */
import { APP_PART, ENV_PART } from '../cloudinit/app.js';
import updateApp from '../cloudinit/scripts/update-app.sh?raw';
import type { CloudFile } from '../cloudinit/types.js';
import type { DeployPlan } from '../plan/types.js';
import { shellAssignment, shellJoin } from '../quote/index.js';

/** Ends each file's base64 heredoc; `-` is not a base64 character, so content cannot end it early. */
const END_OF_FILE = 'LB-END-OF-FILE';

/** The files the app reads: app.conf, app.env, the app unit and scripts, hooks, setup.files. */
export function appUpdateFiles(plan: DeployPlan): CloudFile[] {
  const setupFiles = new Set(plan.template.setup.files.map((file) => file.path));
  return plan.writeFiles.filter(
    (file) => file.part === APP_PART || file.part === ENV_PART || setupFiles.has(file.path),
  );
}

function content(file: CloudFile): Buffer {
  // Build-time packed files are already gzip+base64; the update ships what cloud-init would write.
  if (file.encoding === 'gz+b64') throw new Error(`${file.path} is packed; app files never are`);
  return Buffer.from(file.content, 'utf8');
}

function base64Lines(bytes: Buffer): string {
  return (bytes.toString('base64').match(/.{1,76}/g) ?? []).join('\n');
}

/**
 * The whole update: optional variable assignments (tests point LB_ROOT and LB_SYSTEMCTL at a
 * private root), the update functions, one stage_file per file, then apply_update with its
 * standard input closed so no command can read the rest of the script.
 */
export function appUpdateScript(
  files: readonly CloudFile[],
  assignments: Readonly<Record<string, string>> = {},
): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(assignments))
    lines.push(`export ${shellAssignment(name, value)}`);
  lines.push(updateApp.trimEnd());
  lines.push('begin_update');
  for (const file of files) {
    lines.push(`${shellJoin(['stage_file', file.path, file.permissions, file.owner])} <<'${END_OF_FILE}'`);
    const encoded = base64Lines(content(file));
    if (encoded !== '') lines.push(encoded);
    lines.push(END_OF_FILE);
  }
  lines.push('apply_update </dev/null');
  return `${lines.join('\n')}\n`;
}

/** What apply_update's exit code means. */
export type UpdateOutcome = 'updated' | 'rolled-back' | 'rollback-failed' | 'failed';

export function updateOutcome(code: number): UpdateOutcome {
  if (code === 0) return 'updated';
  if (code === 3) return 'rolled-back';
  if (code === 4) return 'rollback-failed';
  return 'failed';
}
