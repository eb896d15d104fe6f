import { listTemplatesCached } from '../catalog/list-cache.js';
import { UsageError } from '../errors.js';
import { readRegistry } from '../state/registry.js';
import { didYouMean } from '../util/suggest.js';
import { completionScript, type Shell } from './completion.js';
import type { CommandArgs, CommandContext } from './framework/command.js';

/** The shells completionScript writes for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const satisfies readonly Shell[];

/** Template names or deployment ids, one a line; nothing at all when they cannot be read. */
async function values(kind: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  try {
    if (kind === 'template') return (await listTemplatesCached({ env })).map((entry) => entry.name);
    return (await readRegistry(env)).deployments.map((record) => record.id);
  } catch {
    // A completion that cannot read its list offers nothing rather than an error mid-line.
    return [];
  }
}

export async function completion(
  args: CommandArgs<{ readonly values: string | undefined }, { readonly shell: string | undefined }>,
  { out, env, commands }: CommandContext,
): Promise<number> {
  const { shell } = args.positionals;
  if (args.options.values !== undefined) {
    for (const value of await values(args.options.values, env)) out.line(value);
    return 0;
  }
  const shells = SHELLS;
  const hint = `Pass ${shells.join(', ')}; for example: eval "$(linode-build completion bash)"`;
  if (shell === undefined) throw new UsageError('which shell? completion needs SHELL.', hint);
  if (!(shells as readonly string[]).includes(shell)) {
    throw new UsageError(`unknown shell '${shell}'${didYouMean(shell, shells)}.`, hint);
  }
  out.stdout.write(completionScript(shell as Shell, commands));
  return 0;
}
