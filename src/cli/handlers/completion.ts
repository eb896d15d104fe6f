import { listTemplatesCached } from '../../catalog/list-cache.js';
import { UsageError } from '../../errors.js';
import { readRegistry } from '../../state/registry.js';
import { didYouMean } from '../../util/suggest.js';
import { completionSpec } from '../commands/completion.js';
import { completionScript, type Shell } from '../completion.js';
import type { ArgsOf, CommandContext } from '../framework/command.js';

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

export default async function completion(
  args: ArgsOf<typeof completionSpec>,
  { out, env }: CommandContext,
): Promise<number> {
  const { shell } = args.positionals;
  if (args.options.values !== undefined) {
    for (const value of await values(args.options.values, env)) out.line(value);
    return 0;
  }
  const shells = completionSpec.positionals?.[0]?.choices ?? [];
  const hint = `Pass ${shells.join(', ')}; for example: eval "$(linode-build completion bash)"`;
  if (shell === undefined) throw new UsageError('which shell? completion needs SHELL.', hint);
  if (!(shells as readonly string[]).includes(shell)) {
    throw new UsageError(`unknown shell '${shell}'${didYouMean(shell, shells)}.`, hint);
  }
  const { commands } = await import('../commands/index.js');
  out.stdout.write(completionScript(shell as Shell, commands));
  return 0;
}
