/**
 * The capability set: the built-in definitions from capabilities/, looked up by name or
 * deprecated alias. Importing it costs only the definitions themselves (plain objects and
 * script text); lookup tables are built on first use.
 */
import { builtinCapabilities } from '../../capabilities/index.js';
import type { CapabilityDefinition } from './types.js';

/** A set of definitions with name and alias lookup; the resolver works against one. */
export interface CapabilitySet {
  list(): readonly CapabilityDefinition[];
  get(name: string): CapabilityDefinition | undefined;
  names(): readonly string[];
  /** Deprecated name → current name. */
  aliases(): ReadonlyMap<string, string>;
}

export function createCapabilitySet(definitions: readonly CapabilityDefinition[]): CapabilitySet {
  const byName = new Map<string, CapabilityDefinition>();
  const aliases = new Map<string, string>();
  for (const definition of definitions) {
    if (byName.has(definition.name)) throw new Error(`capability '${definition.name}' is defined twice`);
    byName.set(definition.name, definition);
  }
  for (const definition of definitions) {
    for (const alias of definition.aliases ?? []) {
      if (byName.has(alias) || aliases.has(alias))
        throw new Error(`capability alias '${alias}' is ambiguous`);
      aliases.set(alias, definition.name);
    }
  }
  const names = [...byName.keys()];
  return {
    list: () => definitions,
    get: (name) => byName.get(name),
    names: () => names,
    aliases: () => aliases,
  };
}

let builtin: CapabilitySet | undefined;

export function builtinCapabilitySet(): CapabilitySet {
  builtin ??= createCapabilitySet(builtinCapabilities);
  return builtin;
}

export function listCapabilities(): CapabilityDefinition[] {
  return [...builtinCapabilitySet().list()];
}

export function getCapability(name: string): CapabilityDefinition | undefined {
  return builtinCapabilitySet().get(name);
}

export function capabilityNames(): string[] {
  return [...builtinCapabilitySet().names()];
}

export function capabilityAliases(): Map<string, string> {
  return new Map(builtinCapabilitySet().aliases());
}
