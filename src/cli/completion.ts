// biome-ignore-all lint/suspicious/noTemplateCurlyInString: this module writes bash source, where ${…} is bash.
/**
 * Shell completion scripts for bash, zsh and fish, generated from the command table — the same
 * typed specs the help is made from — so a new command or option completes without editing
 * anything here. Static words (commands, options, choices) are written into the script; template
 * names and deployment ids are asked from `linode-build completion --values KIND` at completion
 * time (the template catalog and the deployment registry: no API request, no credentials).
 */
import { fishQuote, shellQuote } from '../quote/index.js';
import type { AnyCommand, CompletionKind, OptionSpec, PositionalSpec } from './framework/command.js';
import { globalOptionSpecs } from './framework/parse.js';

export type Shell = 'bash' | 'zsh' | 'fish';

/** What a value completes to: a kind, a fixed list of words, or nothing (free text). */
type ValueCompletion = { readonly kind: CompletionKind } | { readonly words: readonly string[] } | undefined;

function optionCompletion(spec: OptionSpec): ValueCompletion {
  if (spec.choices) return { words: spec.choices };
  if (spec.complete) return { kind: spec.complete };
  if (spec.placeholder === 'DIR') return { kind: 'directory' };
  if (spec.placeholder === 'FILE' || spec.placeholder === 'PATH') return { kind: 'file' };
  return undefined;
}

function positionalCompletion(spec: PositionalSpec): ValueCompletion {
  if (spec.choices) return { words: spec.choices };
  return spec.complete ? { kind: spec.complete } : undefined;
}

interface CommandWords {
  readonly name: string;
  readonly summary: string;
  /** Every option spelling (`--name`, `-n`) with its spec. */
  readonly options: readonly { readonly flags: readonly string[]; readonly spec: OptionSpec }[];
  readonly positionals: readonly PositionalSpec[];
}

function commandWords(command: AnyCommand): CommandWords {
  const specs: Record<string, OptionSpec> = { ...(command.options ?? {}), ...globalOptionSpecs() };
  return {
    name: command.name,
    summary: command.summary,
    options: Object.entries(specs).map(([name, spec]) => ({
      flags: [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])],
      spec,
    })),
    positionals: (command.positionals ?? []) as readonly PositionalSpec[],
  };
}

/** Top-level words: commands and groups (`templates`), in table order. */
function topLevel(commands: readonly AnyCommand[]): string[] {
  return [...new Set(commands.map((command) => command.name.split(' ')[0]!))];
}

function groups(commands: readonly AnyCommand[]): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const command of commands) {
    const [group, sub] = command.name.split(' ');
    if (sub !== undefined) result.set(group!, [...(result.get(group!) ?? []), sub]);
  }
  return result;
}

/** A bash `case` pattern matching exactly these words. */
function casePattern(words: readonly string[]): string {
  return words.map(shellQuote).join('|');
}

/** bash: how to fill COMPREPLY for a value completion. */
function bashValue(value: ValueCompletion): string {
  if (value === undefined) return 'return 0';
  if ('words' in value)
    return `COMPREPLY=($(compgen -W ${shellQuote(value.words.join(' '))} -- "$cur")); return 0`;
  switch (value.kind) {
    case 'template':
    case 'deployment':
      return `COMPREPLY=($(compgen -W "$(_linode_build_values ${value.kind})" -- "$cur")); return 0`;
    case 'file':
      return 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return 0';
    case 'directory':
      return 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")); return 0';
  }
}

export function bashScript(commands: readonly AnyCommand[]): string {
  const table = commands.map(commandWords);
  const groupMap = groups(commands);
  const lines: string[] = [
    '# bash completion for linode-build, generated from its command specs by',
    '# `linode-build completion bash`. Load it with:  eval "$(linode-build completion bash)"',
    '_linode_build_values() { command linode-build completion --values "$1" 2>/dev/null; }',
    '_linode_build() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} prev=',
    '  ((COMP_CWORD > 1)) && prev=${COMP_WORDS[COMP_CWORD-1]}',
    '  COMPREPLY=()',
    '  local command= word skip=0 positional=0 i',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    word=${COMP_WORDS[i]}',
    '    if ((skip)); then skip=0; continue; fi',
    '    if [[ $word == -- ]]; then return 0; fi',
    '    if [[ -z $command ]]; then',
    '      [[ $word == -* ]] && continue',
    '      command=$word',
    '      continue',
    '    fi',
    '    case "$command" in',
  ];
  // A group word followed by a subcommand word becomes the two-word command.
  for (const [group, subs] of groupMap) {
    lines.push(
      `      ${shellQuote(group)}) [[ $word != -* ]] && case "$word" in ${casePattern(subs)}) command="$command $word"; continue;; esac;;`,
    );
  }
  lines.push('    esac', '    case "$command $word" in');
  const valueFlags = table.flatMap((command) =>
    command.options
      .filter((option) => option.spec.type !== 'boolean')
      .flatMap((option) => option.flags.map((flag) => `${command.name} ${flag}`)),
  );
  if (valueFlags.length > 0) lines.push(`      ${casePattern(valueFlags)}) skip=1; continue;;`);
  lines.push('    esac', '    [[ $word != -* ]] && ((positional++))', '  done');

  // Completing the command word itself.
  lines.push(
    '  if [[ -z $command ]]; then',
    `    COMPREPLY=($(compgen -W ${shellQuote([...topLevel(commands), '--help', '--version'].join(' '))} -- "$cur"))`,
    '    return 0',
    '  fi',
    '  case "$command" in',
  );
  for (const [group, subs] of groupMap) {
    lines.push(
      `    ${shellQuote(group)}) COMPREPLY=($(compgen -W ${shellQuote(subs.join(' '))} -- "$cur")); return 0;;`,
    );
  }
  lines.push('  esac');

  // The value of the option just typed.
  lines.push('  case "$command $prev" in');
  for (const command of table) {
    for (const option of command.options) {
      if (option.spec.type === 'boolean') continue;
      const patterns = option.flags.map((flag) => `${command.name} ${flag}`);
      lines.push(`    ${casePattern(patterns)}) ${bashValue(optionCompletion(option.spec))};;`);
    }
  }
  lines.push('  esac');

  // Options, then positionals by position.
  lines.push('  if [[ $cur == -* ]]; then', '    case "$command" in');
  for (const command of table) {
    const flags = command.options.flatMap((option) => option.flags.filter((flag) => flag.startsWith('--')));
    lines.push(
      `      ${shellQuote(command.name)}) COMPREPLY=($(compgen -W ${shellQuote(flags.join(' '))} -- "$cur"));;`,
    );
  }
  lines.push('    esac', '    return 0', '  fi', '  case "$command $positional" in');
  for (const command of table) {
    command.positionals.forEach((positional, index) => {
      const value = positionalCompletion(positional);
      if (value) lines.push(`    ${shellQuote(`${command.name} ${index}`)}) ${bashValue(value)};;`);
    });
  }
  lines.push('  esac', '}', 'complete -F _linode_build linode-build', '');
  return lines.join('\n');
}

/** zsh runs the bash function through its bash-completion emulation: one generator, one behaviour. */
export function zshScript(commands: readonly AnyCommand[]): string {
  return [
    '#compdef linode-build',
    '# zsh completion for linode-build, generated from its command specs by',
    '# `linode-build completion zsh`. Load it with:  eval "$(linode-build completion zsh)"',
    'autoload -U +X compinit && compinit',
    'autoload -U +X bashcompinit && bashcompinit',
    bashScript(commands),
  ].join('\n');
}

function fishValue(value: ValueCompletion): string {
  if (value === undefined) return ' -x';
  if ('words' in value) return ` -x -a ${fishQuote(value.words.join(' '))}`;
  switch (value.kind) {
    case 'template':
    case 'deployment':
      return ` -x -a ${fishQuote(`(linode-build completion --values ${value.kind} 2>/dev/null)`)}`;
    case 'file':
      return ' -r -F';
    case 'directory':
      return ` -x -a ${fishQuote('(__fish_complete_directories)')}`;
  }
}

export function fishScript(commands: readonly AnyCommand[]): string {
  const groupMap = groups(commands);
  const top = topLevel(commands);
  const lines = [
    '# fish completion for linode-build, generated from its command specs by',
    '# `linode-build completion fish`. Load it with:  linode-build completion fish | source',
    'complete -c linode-build -f',
  ];
  for (const command of commands) {
    const [first, sub] = command.name.split(' ') as [string, string | undefined];
    const condition =
      sub === undefined
        ? `__fish_seen_subcommand_from ${first}`
        : `__fish_seen_subcommand_from ${first}; and __fish_seen_subcommand_from ${sub}`;
    if (sub === undefined) {
      lines.push(
        `complete -c linode-build -n ${fishQuote(`not __fish_seen_subcommand_from ${top.join(' ')}`)} -a ${fishQuote(first)} -d ${fishQuote(command.summary)}`,
      );
    } else {
      lines.push(
        `complete -c linode-build -n ${fishQuote(`__fish_seen_subcommand_from ${first}; and not __fish_seen_subcommand_from ${groupMap.get(first)!.join(' ')}`)} -a ${fishQuote(sub)} -d ${fishQuote(command.summary)}`,
      );
    }
    for (const option of commandWords(command).options) {
      const [long, short] = option.flags;
      const spelling = `-l ${fishQuote(long!.slice(2))}${short ? ` -s ${fishQuote(short.slice(1))}` : ''}`;
      const value = option.spec.type === 'boolean' ? '' : fishValue(optionCompletion(option.spec));
      lines.push(
        `complete -c linode-build -n ${fishQuote(condition)} ${spelling}${value} -d ${fishQuote(option.spec.description)}`,
      );
    }
    const firstPositional = commandWords(command).positionals[0];
    const positional = firstPositional && positionalCompletion(firstPositional);
    if (positional) lines.push(`complete -c linode-build -n ${fishQuote(condition)}${fishValue(positional)}`);
  }
  for (const [group, subs] of groupMap) {
    lines.push(
      `complete -c linode-build -n ${fishQuote(`not __fish_seen_subcommand_from ${top.join(' ')}`)} -a ${fishQuote(group)} -d ${fishQuote(`${subs.length} commands: ${subs.join(', ')}`)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(shell: Shell, commands: readonly AnyCommand[]): string {
  if (shell === 'bash') return bashScript(commands);
  if (shell === 'zsh') return zshScript(commands);
  return fishScript(commands);
}
