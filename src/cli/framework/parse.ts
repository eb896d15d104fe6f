/**
 * Argument parsing on node:util's parseArgs (no start-up cost, unlike a CLI library),
 * driven by the command's typed definition.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import { didYouMean } from '../../util/suggest.js';
import type { AnyCommand, OptionSpec } from './command.js';

export interface RawParse {
  readonly options: Record<string, unknown>;
  readonly positionals: Record<string, string | undefined>;
  readonly help: boolean;
  readonly debug: boolean;
  /** Words after `--` when the command declares `passThrough`. */
  readonly rest?: readonly string[];
}

const globalOptions: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'Show help for this command' },
  debug: { type: 'boolean', description: 'Show stack traces and API request details on errors' },
};

export function globalOptionSpecs(): Record<string, OptionSpec> {
  return globalOptions;
}

export function parseCommandArgs(command: AnyCommand, words: readonly string[]): RawParse {
  const cut = command.passThrough ? words.indexOf('--') : -1;
  const argv = cut >= 0 ? words.slice(0, cut) : words;
  const specs: Record<string, OptionSpec> = { ...globalOptions, ...(command.options ?? {}) };
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    config[name] = {
      type: spec.type === 'boolean' ? 'boolean' : 'string',
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinDashValues(argv, specs),
      options: config,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw usageFromParseError(command, error, Object.keys(specs));
  }

  const values = parsed.values as Record<string, string | boolean | (string | boolean)[] | undefined>;
  const options: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries((command.options ?? {}) as Record<string, OptionSpec>)) {
    const raw = values[name];
    if (raw === undefined) {
      options[name] = spec.multiple ? [] : spec.type === 'boolean' ? (spec.default ?? false) : spec.default;
      continue;
    }
    const convert = (value: string | boolean) => convertValue(command, name, spec, value);
    options[name] = Array.isArray(raw) ? raw.map(convert) : convert(raw);
  }

  const declared = command.positionals ?? [];
  if (parsed.positionals.length > declared.length) {
    const extra = parsed.positionals.slice(declared.length).join(' ');
    throw new UsageError(
      `unexpected argument '${extra}' for '${command.name}'.`,
      `Run 'linode-build ${command.name} --help' for usage.`,
    );
  }
  const positionals: Record<string, string | undefined> = {};
  declared.forEach((spec: { name: string }, i: number) => {
    positionals[spec.name] = parsed.positionals[i];
  });

  const help = values.help === true;
  if (!help) {
    for (const spec of declared as readonly { name: string; required?: boolean }[]) {
      if (spec.required && positionals[spec.name] === undefined) {
        throw new UsageError(
          `'${command.name}' needs ${spec.name.toUpperCase()}.`,
          `Run 'linode-build ${command.name} --help' for usage and examples.`,
        );
      }
    }
  }
  return {
    options,
    positionals,
    help,
    debug: values.debug === true,
    ...(cut >= 0 ? { rest: words.slice(cut + 1) } : {}),
  };
}

/**
 * `--ttl -1h`: parseArgs refuses a value that starts with '-' as ambiguous. One that names no
 * option is the option's value (`--ttl=-1h`), so its own check can say what is wrong with it;
 * `--region --type x` still fails as a missing value.
 */
function joinDashValues(argv: readonly string[], specs: Record<string, OptionSpec>): string[] {
  const shorts = new Map(
    Object.entries(specs).flatMap(([name, spec]) => (spec.short ? [[spec.short, name] as const] : [])),
  );
  const isFlag = (word: string) =>
    word === '--' ||
    (word.startsWith('--') && Object.hasOwn(specs, word.slice(2).split('=')[0]!)) ||
    /^-[a-zA-Z]/.test(word);
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const next = argv[i + 1];
    const name = word.startsWith('--') ? word.slice(2) : shorts.get(word.slice(1));
    const spec =
      name === undefined || !/^--?[^=-][^=]*$/.test(word) || !Object.hasOwn(specs, name)
        ? undefined
        : specs[name];
    const takesValue = spec !== undefined && spec.type !== 'boolean';
    if (takesValue && next?.startsWith('-') && !isFlag(next)) {
      joined.push(`--${name}=${next}`);
      i++;
    } else joined.push(word);
  }
  return joined;
}

function convertValue(command: AnyCommand, name: string, spec: OptionSpec, value: string | boolean): unknown {
  if (spec.type === 'boolean') return value;
  const text = String(value);
  spec.check?.(text, `--${name}`);
  if (spec.choices && !spec.choices.includes(text)) {
    throw new UsageError(
      `--${name} must be one of ${spec.choices.join(', ')}; got '${text}'${didYouMean(text, spec.choices)}.`,
      `Run 'linode-build ${command.name} --help' for usage.`,
    );
  }
  if (spec.type === 'number') {
    const number = Number(text);
    if (text.trim() === '' || !Number.isFinite(number)) {
      throw new UsageError(`--${name} must be a number; got '${text}'.`, `For example: --${name} 10`);
    }
    return number;
  }
  return text;
}

function usageFromParseError(command: AnyCommand, error: unknown, known: string[]): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message);
  const hint = `Run 'linode-build ${command.name} --help' for usage.`;
  if (unknown) {
    const flag = unknown[1]!;
    const bare = flag.replace(/^-+/, '');
    const suggestion = didYouMean(bare, known, (name) => `--${name}`);
    return new UsageError(`unknown option '${flag}' for '${command.name}'${suggestion}.`, hint);
  }
  // parseArgs names the option as '-d, --directory <value>'; the user typed one of the names.
  const missingValue = /Option '(?:-\w, )?(-[^' ]+)(?: <value>)?' argument (?:missing|is ambiguous)/.exec(
    message,
  );
  if (missingValue) {
    return new UsageError(`option '${missingValue[1]}' needs a value.`, hint);
  }
  return new UsageError(message.split('\n')[0]!, hint);
}
