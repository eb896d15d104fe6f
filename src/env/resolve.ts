/**
 * Which environment variables reach the app, and with which values.
 *
 * Layers, later wins:
 *   1. capability defaults (e.g. NVIDIA_VISIBLE_DEVICES from gpu-nvidia)
 *   2. the template's container.env, with ${…} expanded against the .env values
 *   3. .env values for names the template declares (env.required / env.optional) — a .env key
 *      the template does not declare is NOT shipped (the original shipped every key)
 *   4. BUILD_APP, BUILD_ENV, BUILD_DEPLOYMENT_ID
 *
 * The process environment is never consulted: a plan depends only on its inputs.
 * A required variable that is missing or empty is an error; all of them are listed at once.
 */
import { CliError } from '../errors.js';
import type { Diagnostic, Template } from '../template/types.js';
import { checkEnvValue } from './envfile.js';
import { expandWithNames } from './expand.js';

export interface EnvInput {
  readonly template: Template;
  readonly dotenv: Readonly<Record<string, string>>;
  readonly capabilityEnv: Readonly<Record<string, string>>;
  readonly builtins: Readonly<Record<string, string>>;
}

export interface ResolvedEnv {
  /** The shipped variables, sorted by name. Values are secret. */
  readonly values: Readonly<Record<string, string>>;
  /** Names whose value came from .env, directly or through ${…}: their values are secret. */
  readonly fromDotenv: readonly string[];
  readonly warnings: readonly Diagnostic[];
}

export function declaredEnvNames(template: Template): string[] {
  return [...template.env.required, ...template.env.optional].map((spec) => spec.name);
}

export function missingRequired(template: Template, dotenv: Readonly<Record<string, string>>): string[] {
  return template.env.required
    .map((spec) => spec.name)
    .filter((name) => dotenv[name] === undefined || dotenv[name] === '');
}

export function resolveEnv(input: EnvInput): ResolvedEnv {
  const { template, dotenv } = input;
  const missing = missingRequired(template, dotenv);
  if (missing.length > 0) {
    throw new CliError(
      `Missing required environment variable${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`,
      'Set them (non-empty) in the .env file; .env.example lists what the template expects.',
    );
  }
  const declared = new Set(declaredEnvNames(template));
  const warnings: Diagnostic[] = [];
  const merged = new Map<string, string>(Object.entries(input.capabilityEnv));
  const fromDotenv = new Set<string>();
  const lookup = (name: string) => (Object.hasOwn(dotenv, name) ? dotenv[name] : undefined);
  const containerEnv = template.deploy.linode.container?.env ?? {};
  for (const [name, raw] of Object.entries(containerEnv)) {
    const path = `deploy.linode.container.env.${name}`;
    const { value, names } = expandWithNames(raw, lookup, path);
    for (const reference of names) {
      if (!declared.has(reference)) {
        warnings.push({
          severity: 'warning',
          path,
          message: `refers to \${${reference}}, which env.required/env.optional do not declare`,
          hint: `Declare ${reference} under env.optional so users know to set it.`,
        });
      }
    }
    merged.set(name, value);
    if (names.some((reference) => Object.hasOwn(dotenv, reference))) fromDotenv.add(name);
    else fromDotenv.delete(name);
  }
  for (const name of Object.keys(dotenv).sort()) {
    if (!declared.has(name)) {
      warnings.push({
        severity: 'warning',
        path: 'env',
        message: `${name} is set in .env but the template does not declare it, so it is not shipped`,
        hint: `Add ${name} to env.optional in deploy.yml to pass it to the app.`,
      });
    }
  }
  for (const name of declared) {
    if (Object.hasOwn(dotenv, name)) {
      merged.set(name, dotenv[name]!);
      fromDotenv.add(name);
    }
  }
  for (const [name, value] of Object.entries(input.builtins)) {
    merged.set(name, value);
    fromDotenv.delete(name);
  }
  const values: Record<string, string> = {};
  for (const name of [...merged.keys()].sort()) {
    const value = merged.get(name)!;
    checkEnvValue(name, value);
    values[name] = value;
  }
  return { values, fromDotenv: [...fromDotenv].sort(), warnings };
}
