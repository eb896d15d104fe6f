/**
 * The capability registry: the built-in definitions from capabilities/, looked up by name or
 * deprecated alias. Importing it costs only the definitions themselves (plain objects and
 * script text); lookup tables are built on first use.
 */
import { builtinCapabilities } from '../../capabilities/index.js';
import type { CapabilityDefinition } from './types.js';

/** A set of definitions with name and alias lookup; the resolver works against one. */
export interface CapabilityCatalog {
  list(): readonly CapabilityDefinition[];
  get(name: string): CapabilityDefinition | undefined;
  names(): readonly string[];
  /** Deprecated name → current name. */
  aliases(): ReadonlyMap<string, string>;
}

export function createCatalog(definitions: readonly CapabilityDefinition[]): CapabilityCatalog {
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

let builtin: CapabilityCatalog | undefined;

export function builtinCatalog(): CapabilityCatalog {
  builtin ??= createCatalog(builtinCapabilities);
  return builtin;
}

export function listCapabilities(): CapabilityDefinition[] {
  return [...builtinCatalog().list()];
}

export function getCapability(name: string): CapabilityDefinition | undefined {
  return builtinCatalog().get(name);
}

export function capabilityNames(): string[] {
  return [...builtinCatalog().names()];
}

export function capabilityAliases(): Map<string, string> {
  return new Map(builtinCatalog().aliases());
}
