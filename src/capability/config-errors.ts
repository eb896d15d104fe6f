/**
 * Turns Ajv's errors for a capability's config into diagnostics with the field path
 * (`capabilities.features[1].config.port`), what is wrong, and what to do.
 */
import type { ErrorObject } from 'ajv';
import type { Diagnostic } from '../template/types.js';
import { didYouMeanName } from './suggest-name.js';
import type { CapabilityDefinition } from './types.js';

/** `/retention/days` → `.retention.days`; `/packages/1` → `.packages[1]`. */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^[0-9]+$/.test(segment) ? `[${segment}]` : `.${segment}`))
    .join('');
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function withArticle(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function keysOf(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const properties = (schema as { properties?: unknown }).properties;
  return typeof properties === 'object' && properties !== null ? Object.keys(properties) : [];
}

function describedBy(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const description = (schema as { description?: unknown }).description;
  return typeof description === 'string' ? description : undefined;
}

export function configDiagnostic(
  definition: CapabilityDefinition,
  error: ErrorObject,
  configPath: string,
): Diagnostic {
  const at = configPath + pointerToPath(error.instancePath);
  const docs = `see '${definition.name}' in docs/capabilities.md`;
  const params = error.params as Record<string, unknown>;
  const description = describedBy(error.parentSchema);
  const hint = description === undefined ? docs : `${description.replace(/\.$/, '')} (${docs})`;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const keys = keysOf(error.parentSchema);
      return {
        severity: 'error',
        path: `${at}.${key}`,
        message: `unknown config key '${key}' for capability '${definition.name}'${didYouMeanName(key, keys)}`,
        hint:
          keys.length === 0
            ? `'${definition.name}' takes no config; remove the config block`
            : `valid keys: ${keys.join(', ')} (${docs})`,
      };
    }
    case 'required':
      return {
        severity: 'error',
        path: `${at}.${String(params.missingProperty)}`,
        message: `missing config key '${String(params.missingProperty)}' for capability '${definition.name}'`,
        hint: docs,
      };
    case 'type':
      return {
        severity: 'error',
        path: at,
        message: `must be ${withArticle(String(params.type))}, got ${shown(error.data)}`,
        hint,
      };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      return {
        severity: 'error',
        path: at,
        message: `must be one of ${allowed.join(', ')}; got ${shown(error.data)}${didYouMeanName(String(error.data), allowed)}`,
        hint,
      };
    }
    case 'pattern':
      return { severity: 'error', path: at, message: `has an invalid format: ${shown(error.data)}`, hint };
    default:
      return {
        severity: 'error',
        path: at,
        message: `${error.message ?? 'is invalid'}, got ${shown(error.data)}`,
        hint,
      };
  }
}
