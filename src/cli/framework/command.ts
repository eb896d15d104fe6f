/**
 * A command is one typed definition in one file (src/cli/commands/<name>.ts): its name, help
 * text, options, examples, and a thin handler. Definitions are cheap to import (help and
 * dispatch need them at start-up): the handler turns the parsed arguments into a call of its
 * domain function, which it imports lazily, so the heavy imports load only when it runs.
 */
import type { Output } from './output.js';

export type OptionType = 'string' | 'boolean' | 'number';

export interface OptionSpec {
  readonly type: OptionType;
  readonly description: string;
  readonly short?: string;
  readonly multiple?: boolean;
  /** Shown in help as `--name PLACEHOLDER`. */
  readonly placeholder?: string;
  readonly choices?: readonly string[];
  /** Default value shown in help; applied when the option is absent. */
  readonly default?: string | number | boolean;
  /**
   * Refuses a malformed value while parsing (throws a UsageError), so every path that takes
   * the option, `--dry-run` included, applies the same rule before doing anything.
   */
  readonly check?: (value: string, flag: string) => void;
  readonly complete?: CompletionKind;
}

/**
 * What a shell completes for a value (`linode-build completion`): template names, deployment
 * ids from the local registry, files or directories. Options whose placeholder is DIR, FILE or
 * PATH complete directories or files without saying so.
 */
export type CompletionKind = 'template' | 'deployment' | 'file' | 'directory';

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  readonly required?: boolean;
  readonly complete?: CompletionKind;
  /** The words it may be, for completion (the handler checks them). */
  readonly choices?: readonly string[];
}

export interface Example {
  readonly command: string;
  readonly description: string;
}

type ScalarOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'number'
    ? number
    : string;

type ValueOf<S extends OptionSpec> = S extends { multiple: true }
  ? ScalarOf<S>[]
  : S['type'] extends 'boolean'
    ? boolean
    : S extends { default: string | number }
      ? ScalarOf<S>
      : ScalarOf<S> | undefined;

export type OptionValues<O extends Record<string, OptionSpec>> = { -readonly [K in keyof O]: ValueOf<O[K]> };

export type PositionalValues<P extends readonly PositionalSpec[]> = {
  [K in P[number]['name']]: string | undefined;
};

export interface ParsedArgs<O extends Record<string, OptionSpec>, P extends readonly PositionalSpec[]> {
  readonly options: OptionValues<O>;
  readonly positionals: PositionalValues<P>;
  /** Global flags every command accepts. */
  readonly debug: boolean;
  /** Words after `--`, for commands that declare `passThrough` (e.g. `ssh ID -- uptime`). */
  readonly rest?: readonly string[];
}

/**
 * What a domain function takes from its command: the parsed values, typed by the fields it
 * reads (so it needs no import of the command that calls it).
 */
export interface CommandArgs<Options, Positionals = unknown> {
  readonly options: Options;
  readonly positionals: Positionals;
  readonly debug: boolean;
  readonly rest?: readonly string[];
}

export interface CommandContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly out: Output;
  /** True when stdin and stdout are terminals: only then may a command prompt. */
  readonly interactive: boolean;
  /** The command table, for commands that describe the others (completion). */
  readonly commands: readonly AnyCommand[];
}

export type Handler<O extends Record<string, OptionSpec>, P extends readonly PositionalSpec[]> = (
  args: ParsedArgs<O, P>,
  context: CommandContext,
) => // biome-ignore lint/suspicious/noConfusingVoidType: a handler that just succeeds returns nothing.
Promise<number | undefined | void>;

/** The declarative part of a command: everything but its handler. */
export interface CommandSpec<
  O extends Record<string, OptionSpec> = Record<string, OptionSpec>,
  P extends readonly PositionalSpec[] = readonly PositionalSpec[],
> {
  /** Space-separated words, e.g. `templates list`. */
  readonly name: string;
  readonly summary: string;
  readonly description?: string;
  readonly positionals?: P;
  readonly options?: O;
  readonly examples: readonly Example[];
  /** Accept words after `--` and hand them to the handler as `rest`, unparsed. */
  readonly passThrough?: { readonly name: string; readonly description: string };
}

export interface CommandDefinition<
  O extends Record<string, OptionSpec> = Record<string, OptionSpec>,
  P extends readonly PositionalSpec[] = readonly PositionalSpec[],
> extends CommandSpec<O, P> {
  /** Runs the command: a thin handler that lazily imports its domain function. */
  readonly run: Handler<O, P>;
}

/** Declares a command's spec, typed to the letter so its handler's arguments are too. */
export function commandSpec<
  const O extends Record<string, OptionSpec>,
  const P extends readonly PositionalSpec[] = [],
>(spec: CommandSpec<O, P>): CommandSpec<O, P> {
  return spec;
}

/** Joins a spec with its handler. */
export function defineCommand<O extends Record<string, OptionSpec>, P extends readonly PositionalSpec[]>(
  spec: CommandSpec<O, P>,
  run: Handler<O, P>,
): CommandDefinition<O, P> {
  return { ...spec, run };
}

/** A definition with its generic parameters erased, for the command table. */
// biome-ignore lint/suspicious/noExplicitAny: the table holds commands of different option types.
export type AnyCommand = CommandDefinition<any, any>;
