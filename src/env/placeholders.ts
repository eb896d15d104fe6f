/**
 * Stand-in values for required variables when planning straight from a template (no .env):
 * the plan still shows every step and byte, and the summary says which values are stand-ins.
 */
import type { Template } from '../template/types.js';

export function placeholderValue(name: string): string {
  return `placeholder-for-${name}`;
}

/** Placeholders for required variables that `dotenv` lacks (missing or empty). */
export function placeholderEnv(
  template: Template,
  dotenv: Readonly<Record<string, string>>,
): { values: Record<string, string>; names: string[] } {
  const values: Record<string, string> = { ...dotenv };
  const names: string[] = [];
  for (const { name } of template.env.required) {
    if (values[name] === undefined || values[name] === '') {
      values[name] = placeholderValue(name);
      names.push(name);
    }
  }
  return { values, names };
}
