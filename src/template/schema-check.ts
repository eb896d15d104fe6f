/**
 * Checks a value against schema/template.schema.json by walking the schema directly.
 *
 * Why not Ajv here: Ajv compiles the schema to code (tens of milliseconds at start-up, and
 * `templates list` must stay fast), and its errors are generic. The template schema uses a
 * small subset of JSON Schema, listed in `SchemaNode`; this walker implements exactly that
 * subset, reports every problem at once with the field path, suggests the nearest known key
 * for a typo, and reads `x-hint` for the "what to do" line. Tests check that Ajv and this
 * walker agree on valid and invalid documents, so the editor (which uses the schema) and the
 * CLI never disagree.
 */
import { didYouMean } from '../util/suggest.js';
import { childPath } from './parse.js';
import type { Diagnostic } from './types.js';

type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

export interface SchemaNode {
  readonly $ref?: string;
  readonly type?: JsonType | readonly JsonType[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | SchemaNode;
  readonly propertyNames?: SchemaNode;
  readonly items?: SchemaNode;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly oneOf?: readonly SchemaNode[];
  readonly definitions?: Readonly<Record<string, SchemaNode>>;
  readonly 'x-hint'?: string;
}

/** " (did you mean 'x'?)" (swapped neighbouring letters, `imgae` → `image`, count as one edit). */
export function suggestion(input: string, candidates: readonly string[]): string {
  return didYouMean(input, candidates);
}

type Issue = Omit<Diagnostic, 'severity' | 'file' | 'line' | 'column'>;

export function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
}

function describeType(types: readonly JsonType[]): string {
  const words = types.map((type) =>
    type === 'object' ? 'a mapping' : type === 'array' ? 'a list' : `a ${type}`,
  );
  return words.length === 1 ? words[0]! : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function describeValue(value: unknown): string {
  const type = jsonTypeOf(value);
  if (type === 'object') return 'a mapping';
  if (type === 'array') return 'a list';
  if (type === 'null') return 'empty (null)';
  return `${type === 'integer' ? 'the number' : `the ${type}`} ${JSON.stringify(value)}`;
}

const patternCache = new Map<string, RegExp>();
function regex(pattern: string): RegExp {
  let compiled = patternCache.get(pattern);
  if (!compiled) {
    compiled = new RegExp(pattern, 'u');
    patternCache.set(pattern, compiled);
  }
  return compiled;
}

export class SchemaChecker {
  constructor(private readonly root: SchemaNode) {}

  check(value: unknown): Diagnostic[] {
    const issues: Issue[] = [];
    this.visit(this.root, value, '', issues);
    return issues.map((issue) => ({ severity: 'error', ...issue }));
  }

  /** Follows `$ref` (local `#/definitions/x` only), merging sibling keywords over the target. */
  private resolve(node: SchemaNode): SchemaNode {
    if (!node.$ref) return node;
    const name = /^#\/definitions\/(.+)$/.exec(node.$ref)?.[1];
    const target = name ? this.root.definitions?.[name] : undefined;
    if (!target) throw new Error(`template schema: unresolved $ref ${node.$ref}`);
    const { $ref: _ignored, ...siblings } = node;
    return { ...this.resolve(target), ...siblings };
  }

  private visit(rawNode: SchemaNode, value: unknown, path: string, issues: Issue[]): void {
    const node = this.resolve(rawNode);
    const hint = node['x-hint'];
    const where = path === '' ? 'the template' : path;

    if (node.oneOf) {
      // Our schema only uses oneOf to allow alternatives of different types: pick by type.
      const branch = node.oneOf
        .map((candidate) => this.resolve(candidate))
        .find((candidate) => matchesType(candidate, value));
      if (!branch) {
        const types = node.oneOf.flatMap((candidate) => typesOf(this.resolve(candidate)));
        issues.push({
          path,
          message: `${where} must be ${describeType([...new Set(types)])}, not ${describeValue(value)}`,
          ...(hint ? { hint } : {}),
        });
        return;
      }
      this.visit(branch, value, path, issues);
      return;
    }

    const types = typesOf(node);
    if (types.length > 0 && !matchesType(node, value)) {
      issues.push({
        path,
        message: `${where} must be ${describeType(types)}, not ${describeValue(value)}`,
        hint: hint ?? typeHint(types, value),
      });
      return;
    }

    if (node.enum && !node.enum.includes(value)) {
      const choices = node.enum.map(String);
      issues.push({
        path,
        message: `${where} must be one of ${choices.join(', ')}; got ${JSON.stringify(value)}${suggestion(String(value), choices)}`,
        hint: hint ?? `Use one of: ${choices.join(', ')}.`,
      });
      return;
    }

    if (typeof value === 'string') this.checkString(node, value, path, where, issues);
    if (typeof value === 'number') this.checkNumber(node, value, path, where, issues);
    if (Array.isArray(value)) this.checkArray(node, value, path, where, issues);
    else if (jsonTypeOf(value) === 'object') {
      this.checkObject(node, value as Record<string, unknown>, path, where, issues);
    }
  }

  private checkString(node: SchemaNode, value: string, path: string, where: string, issues: Issue[]): void {
    const hint = node['x-hint'];
    if (node.minLength !== undefined && value.length < node.minLength) {
      issues.push({
        path,
        message: `${where} must not be empty`,
        hint: hint ?? 'Give it a value or remove the field.',
      });
    } else if (node.maxLength !== undefined && value.length > node.maxLength) {
      issues.push({
        path,
        message: `${where} is ${value.length} characters; the limit is ${node.maxLength}`,
        hint: hint ?? 'Shorten it.',
      });
    } else if (node.pattern !== undefined && !regex(node.pattern).test(value)) {
      issues.push({
        path,
        message: `${where} has an invalid value ${JSON.stringify(value)}`,
        hint: hint ?? `It must match ${node.pattern}.`,
      });
    }
  }

  private checkNumber(node: SchemaNode, value: number, path: string, where: string, issues: Issue[]): void {
    const tooLow = node.minimum !== undefined && value < node.minimum;
    const tooHigh = node.maximum !== undefined && value > node.maximum;
    if (tooLow || tooHigh) {
      const range =
        node.minimum !== undefined && node.maximum !== undefined
          ? `from ${node.minimum} to ${node.maximum}`
          : node.minimum !== undefined
            ? `at least ${node.minimum}`
            : `at most ${node.maximum}`;
      issues.push({
        path,
        message: `${where} is ${value}; it must be ${range}`,
        hint: node['x-hint'] ?? `Use a value ${range}.`,
      });
    }
  }

  private checkArray(
    node: SchemaNode,
    value: readonly unknown[],
    path: string,
    where: string,
    issues: Issue[],
  ): void {
    if (node.minItems !== undefined && value.length < node.minItems) {
      issues.push({
        path,
        message: `${where} needs at least ${node.minItems} item${node.minItems === 1 ? '' : 's'}`,
        hint: 'Add an item or remove the field.',
      });
    }
    if (node.items) {
      const items = node.items;
      value.forEach((item, index) => {
        this.visit(items, item, childPath(path, index), issues);
      });
    }
  }

  private checkObject(
    node: SchemaNode,
    value: Record<string, unknown>,
    path: string,
    where: string,
    issues: Issue[],
  ): void {
    const properties = node.properties ?? {};
    const known = Object.keys(properties);
    for (const name of node.required ?? []) {
      if (value[name] === undefined || value[name] === null) {
        const fieldSchema = properties[name] ? this.resolve(properties[name]) : undefined;
        issues.push({
          path: childPath(path, name),
          message: `${where} is missing the required field '${name}'`,
          hint: fieldSchema?.['x-hint'] ?? `Add '${name}:' to ${where}.`,
        });
      }
    }
    for (const [key, child] of Object.entries(value)) {
      const keyPath = childPath(path, key);
      if (node.propertyNames) {
        const names = this.resolve(node.propertyNames);
        if (names.pattern && !regex(names.pattern).test(key)) {
          issues.push({
            path: keyPath,
            message: `'${key}' is not a valid name in ${where}`,
            hint: names['x-hint'] ?? `Names must match ${names.pattern}.`,
          });
        }
      }
      const propertySchema = properties[key];
      if (propertySchema) {
        // A required field that is present but empty was reported above.
        if (child === null && node.required?.includes(key)) continue;
        this.visit(propertySchema, child, keyPath, issues);
      } else if (node.additionalProperties === false) {
        issues.push({
          path: keyPath,
          message: `unknown field '${key}' in ${where}${suggestion(key, known)}`,
          hint: `Remove it, or use one of: ${known.join(', ')}.`,
        });
      } else if (typeof node.additionalProperties === 'object') {
        this.visit(node.additionalProperties, child, keyPath, issues);
      }
    }
  }
}

function typesOf(node: SchemaNode): JsonType[] {
  if (node.type === undefined) return [];
  return typeof node.type === 'string' ? [node.type] : [...node.type];
}

function matchesType(node: SchemaNode, value: unknown): boolean {
  const types = typesOf(node);
  if (types.length === 0) return true;
  const actual = jsonTypeOf(value);
  return types.includes(actual) || (actual === 'integer' && types.includes('number'));
}

function typeHint(types: readonly JsonType[], value: unknown): string {
  if (types.includes('string') && typeof value === 'number') {
    return 'Quote the value so YAML reads it as text, e.g. "1.0".';
  }
  if (value === null) return 'Give the field a value or remove it.';
  return `Write ${describeType(types)} here.`;
}
