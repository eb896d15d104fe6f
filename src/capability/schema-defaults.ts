/**
 * The config a capability gets when nothing is configured: each top-level property's
 * `default` from its schema. Used where a definition needs another capability's config but
 * only knows it is present (and by the docs generator's config tables).
 */
import type { JsonSchema } from './types.js';

export function schemaProperties(
  schema: JsonSchema,
): Readonly<Record<string, Readonly<Record<string, unknown>>>> {
  const properties = schema.properties;
  if (typeof properties !== 'object' || properties === null) return {};
  return properties as Record<string, Readonly<Record<string, unknown>>>;
}

/** Defaults the way Ajv's `useDefaults` fills an empty config, nested objects included. */
export function schemaDefaults(schema: JsonSchema): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schemaProperties(schema))) {
    if (!('default' in property)) continue;
    const value = structuredClone(property.default);
    const nested = property.type === 'object' && typeof value === 'object' && value !== null;
    defaults[key] = nested ? { ...schemaDefaults(property), ...value } : value;
  }
  return defaults;
}
