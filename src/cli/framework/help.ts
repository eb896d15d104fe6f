/** Help text, rendered from the command definitions (never hand-maintained). */
import type { AnyCommand, OptionSpec } from './command.js';
import { globalOptionSpecs } from './parse.js';

const PROGRAM = 'linode-build';

function optionLabel(name: string, spec: OptionSpec): string {
  const short = spec.short ? `-${spec.short}, ` : '    ';
  const value =
    spec.type === 'boolean' ? '' : ` ${spec.placeholder ?? (spec.type === 'number' ? 'N' : 'VALUE')}`;
  return `${short}--${name}${value}`;
}

function optionDetail(spec: OptionSpec): string {
  const extras: string[] = [];
  if (spec.choices) extras.push(`one of: ${spec.choices.join(', ')}`);
  if (spec.default !== undefined && spec.type !== 'boolean') extras.push(`default: ${spec.default}`);
  if (spec.multiple) extras.push('repeatable');
  return extras.length ? `${spec.description} (${extras.join('; ')})` : spec.description;
}

function twoColumns(rows: readonly [string, string][], indent = '  '): string[] {
  const width = Math.min(34, Math.max(0, ...rows.map(([left]) => left.length)));
  return rows.map(([left, right]) =>
    left.length > width
      ? `${indent}${left}\n${indent}${' '.repeat(width + 2)}${right}`
      : `${indent}${left.padEnd(width)}  ${right}`,
  );
}

export function usageLine(command: AnyCommand): string {
  const positionals = (command.positionals ?? []).map((p: { name: string; required?: boolean }) =>
    p.required ? p.name.toUpperCase() : `[${p.name.toUpperCase()}]`,
  );
  const rest = command.passThrough ? [`[-- ${command.passThrough.name.toUpperCase()}...]`] : [];
  return [PROGRAM, command.name, ...positionals, '[options]', ...rest].join(' ');
}

export function commandHelp(command: AnyCommand): string {
  const lines: string[] = [`Usage: ${usageLine(command)}`, '', command.summary];
  if (command.description) lines.push('', command.description.trim());
  const positionals = (command.positionals ?? []) as readonly { name: string; description: string }[];
  if (positionals.length) {
    lines.push('', 'Arguments:');
    lines.push(...twoColumns(positionals.map((p) => [p.name.toUpperCase(), p.description])));
  }
  if (command.passThrough) {
    lines.push('', 'After --:');
    lines.push(
      ...twoColumns([[`${command.passThrough.name.toUpperCase()}...`, command.passThrough.description]]),
    );
  }
  const options = Object.entries({ ...(command.options ?? {}), ...globalOptionSpecs() }) as [
    string,
    OptionSpec,
  ][];
  lines.push('', 'Options:');
  lines.push(...twoColumns(options.map(([name, spec]) => [optionLabel(name, spec), optionDetail(spec)])));
  if (command.examples.length) {
    lines.push('', 'Examples:');
    for (const example of command.examples) {
      lines.push(`  $ ${example.command}`, `      ${example.description}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Help for the program or for a command group (`templates`). */
export function groupHelp(commands: readonly AnyCommand[], prefix: string, version: string): string {
  const relevant = commands.filter((c) => prefix === '' || c.name.startsWith(`${prefix} `));
  const lines: string[] = [];
  if (prefix === '') {
    lines.push(`${PROGRAM} ${version}: deploy AI/ML workloads to Linode from declarative templates.`, '');
    lines.push(`Usage: ${PROGRAM} <command> [options]`, '');
  } else {
    lines.push(`Usage: ${PROGRAM} ${prefix} <command> [options]`, '');
  }
  lines.push('Commands:');
  lines.push(...twoColumns(relevant.map((c) => [c.name, c.summary])));
  lines.push('', 'Global options:');
  lines.push(
    ...twoColumns(
      Object.entries(globalOptionSpecs()).map(([name, spec]) => [optionLabel(name, spec), spec.description]),
    ),
  );
  if (prefix === '') lines.push(...twoColumns([['    --version', 'Print the version']]));
  const examples = relevant.flatMap((c) => c.examples.slice(0, 1));
  if (examples.length) {
    lines.push('', 'Examples:');
    for (const example of examples.slice(0, 8))
      lines.push(`  $ ${example.command}`, `      ${example.description}`);
  }
  lines.push('', `Run '${PROGRAM} <command> --help' for a command's options and examples.`);
  return `${lines.join('\n')}\n`;
}
