/**
 * Checks a document against schema/template.schema.json with the validator Ajv generated at
 * build time (schema-validator.generated.js, scripts/gen-validators.mjs), and words Ajv's errors
 * the CLI's way: the field path, a sentence naming the field and its value, a did-you-mean for
 * a mistyped key, and the schema's `x-hint` as the "what to do" line. One validator: the
 * editor, the tests and the CLI read the same schema with the same engine.
 *
 * The schema's `oneOf`s offer alternatives of different types (a string or a mapping), so the
 * alternative is chosen by the value's type and only its errors are reported.
 */
import type { ErrorObject } from 'ajv';
import templateSchema from '../../schema/template.schema.json';
import { didYouMean } from '../util/suggest.js';
import { childPath } from './parse.js';
import { validate } from './schema-validator.generated.js';
import type { Diagnostic } from './types.js';

type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

/** The part of JSON Schema the template schema uses (the wording below reads these). */
interface SchemaNode {
  readonly $ref?: string;
  readonly type?: JsonType | readonly JsonType[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | SchemaNode;
  readonly items?: SchemaNode;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly oneOf?: readonly SchemaNode[];
  readonly 'x-hint'?: string;
}

type Issue = Omit<Diagnostic, 'severity' | 'file' | 'line' | 'column'>;

const root = templateSchema as SchemaNode;

/** Every schema problem of a template document, at once. */
export function checkTemplateSchema(document: unknown): Diagnostic[] {
  if (validate(document)) return [];
  return describeSchemaErrors(validate.errors ?? [], document).map((issue) => ({
    severity: 'error',
    ...issue,
  }));
}

/** The schema node a `$ref` names (`#/definitions/x`), itself followed if it is a `$ref`. */
function nodeAt(pointer: string): SchemaNode {
  let node: unknown = root;
  for (const segment of segments(pointer.replace(/^#/, ''))) {
    node = (node as Record<string, unknown>)[segment];
  }
  if (node === undefined) throw new Error(`template schema: no node at ${pointer}`);
  return resolve(node as SchemaNode);
}

function resolve(node: SchemaNode): SchemaNode {
  return node.$ref ? nodeAt(node.$ref) : node;
}

/** The schema node whose keyword failed (Ajv's `verbose` errors carry it). */
function keywordOwner(error: ErrorObject): SchemaNode {
  return resolve(error.parentSchema as SchemaNode);
}

function segments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** An instance path (`/deploy/linode/tags/0`) as the CLI writes it (`deploy.linode.tags[0]`). */
function located(document: unknown, instancePath: string): { path: string; value: unknown } {
  let path = '';
  let value = document;
  for (const segment of segments(instancePath)) {
    const key = Array.isArray(value) ? Number(segment) : segment;
    path = childPath(path, key);
    value = (value as Record<string | number, unknown>)[key];
  }
  return { path, value };
}

function jsonTypeOf(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonType;
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

function typeHint(types: readonly JsonType[], value: unknown): string {
  if (types.includes('string') && typeof value === 'number') {
    return 'Quote the value so YAML reads it as text, e.g. "1.0".';
  }
  if (value === null) return 'Give the field a value or remove it.';
  return `Write ${describeType(types)} here.`;
}

/**
 * Which error about one value is worth reporting: the first that fails, as a reader checks
 * (a wrong type makes its enum, length and pattern errors noise).
 */
const VALUE_KEYWORDS = ['type', 'enum', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum'];

/** Ajv's errors as issues, in Ajv's order, without the noise. */
export function describeSchemaErrors(errors: readonly ErrorObject[], document: unknown): Issue[] {
  const kept = withoutOtherAlternatives(errors, document);
  const issues: Issue[] = [];
  const reported = new Map<string, number>();
  for (const error of kept) {
    if (error.propertyName !== undefined) continue; // described by its propertyNames error
    const rank = VALUE_KEYWORDS.indexOf(error.keyword);
    if (rank >= 0) {
      const earlier = reported.get(error.instancePath);
      if (earlier !== undefined && earlier <= rank) continue;
      reported.set(error.instancePath, rank);
    }
    const issue = describe(error, document);
    if (issue && !issues.some((seen) => seen.path === issue.path && seen.message === issue.message)) {
      issues.push(issue);
    }
  }
  return issues;
}

/**
 * A failed `oneOf` reports every alternative's errors. Keep those of the alternative whose
 * type the value has; when none has it, the `oneOf` error itself says which types would do.
 */
function withoutOtherAlternatives(errors: readonly ErrorObject[], document: unknown): ErrorObject[] {
  let kept = [...errors];
  for (const error of errors) {
    if (error.keyword !== 'oneOf') continue;
    const alternatives = (keywordOwner(error).oneOf ?? []).map(resolve);
    const { value } = located(document, error.instancePath);
    const chosen = alternatives.findIndex((alternative) => matchesType(alternative, value));
    // An alternative's errors are at or below the oneOf's value, under its schema path.
    const within = (other: ErrorObject) =>
      other.instancePath === error.instancePath || other.instancePath.startsWith(`${error.instancePath}/`);
    kept = kept.filter((other) => {
      const branch = within(other)
        ? new RegExp(`^${escapeRegExp(error.schemaPath)}/(\\d+)(/|$)`).exec(other.schemaPath)
        : null;
      if (!branch) return other !== error || chosen < 0;
      return Number(branch[1]) === chosen;
    });
  }
  return kept;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function describe(error: ErrorObject, document: unknown): Issue | undefined {
  const { path, value } = located(document, error.instancePath);
  const where = path === '' ? 'the template' : path;
  const node = error.keyword === 'propertyNames' ? undefined : keywordOwner(error);
  const hint = node?.['x-hint'];
  switch (error.keyword) {
    case 'oneOf': {
      const types = [...new Set((node?.oneOf ?? []).flatMap((alternative) => typesOf(resolve(alternative))))];
      return {
        path,
        message: `${where} must be ${describeType(types)}, not ${describeValue(value)}`,
        ...(hint ? { hint } : {}),
      };
    }
    case 'type': {
      const requiredNull = value === null ? requiredField(document, error.instancePath) : undefined;
      if (requiredNull) return requiredNull;
      const types = typesOf(node!);
      return {
        path,
        message: `${where} must be ${describeType(types)}, not ${describeValue(value)}`,
        hint: hint ?? typeHint(types, value),
      };
    }
    case 'enum': {
      const choices = (node?.enum ?? []).map(String);
      return {
        path,
        message: `${where} must be one of ${choices.join(', ')}; got ${JSON.stringify(value)}${didYouMean(String(value), choices)}`,
        hint: hint ?? `Use one of: ${choices.join(', ')}.`,
      };
    }
    case 'minLength':
      return {
        path,
        message: `${where} must not be empty`,
        hint: hint ?? 'Give it a value or remove the field.',
      };
    case 'maxLength':
      return {
        path,
        message: `${where} is ${String(value).length} characters; the limit is ${node?.maxLength}`,
        hint: hint ?? 'Shorten it.',
      };
    case 'pattern':
      return {
        path,
        message: `${where} has an invalid value ${JSON.stringify(value)}`,
        hint: hint ?? `It must match ${node?.pattern}.`,
      };
    case 'minimum':
    case 'maximum': {
      const range =
        node?.minimum !== undefined && node.maximum !== undefined
          ? `from ${node.minimum} to ${node.maximum}`
          : node?.minimum !== undefined
            ? `at least ${node.minimum}`
            : `at most ${node?.maximum}`;
      return {
        path,
        message: `${where} is ${value}; it must be ${range}`,
        hint: hint ?? `Use a value ${range}.`,
      };
    }
    case 'minItems': {
      const count = node?.minItems ?? 1;
      return {
        path,
        message: `${where} needs at least ${count} item${count === 1 ? '' : 's'}`,
        hint: 'Add an item or remove the field.',
      };
    }
    case 'required': {
      const name = String(error.params.missingProperty);
      const field = node?.properties?.[name];
      return {
        path: childPath(path, name),
        message: `${where} is missing the required field '${name}'`,
        hint: (field ? resolve(field)['x-hint'] : undefined) ?? `Add '${name}:' to ${where}.`,
      };
    }
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const known = Object.keys(node?.properties ?? {});
      return {
        path: childPath(path, key),
        message: `unknown field '${key}' in ${where}${didYouMean(key, known)}`,
        hint: `Remove it, or use one of: ${known.join(', ')}.`,
      };
    }
    case 'propertyNames': {
      const key = String(error.params.propertyName);
      const names = resolve(error.schema as SchemaNode);
      return {
        path: childPath(path, key),
        message: `'${key}' is not a valid name in ${where}`,
        hint: names['x-hint'] ?? `Names must match ${names.pattern}.`,
      };
    }
    default:
      return {
        path,
        message: `${where} ${error.message ?? 'does not match the schema'}`,
        ...(hint ? { hint } : {}),
      };
  }
}

/**
 * `name:` with nothing after it is null in YAML: for a required field, that reads as the field
 * missing, and is said so (Ajv sees a present key with the wrong type).
 */
function requiredField(document: unknown, instancePath: string): Issue | undefined {
  const cut = instancePath.lastIndexOf('/');
  const parentPath = instancePath.slice(0, cut);
  const name = segments(instancePath).at(-1)!;
  const parent = schemaOfValue(document, parentPath);
  if (!parent?.required?.includes(name)) return undefined;
  const { path } = located(document, parentPath);
  const where = path === '' ? 'the template' : path;
  const field = parent.properties?.[name];
  return {
    path: childPath(path, name),
    message: `${where} is missing the required field '${name}'`,
    hint: (field ? resolve(field)['x-hint'] : undefined) ?? `Add '${name}:' to ${where}.`,
  };
}

/** The schema a value of the document is checked against (oneOf: the alternative of its type). */
function schemaOfValue(document: unknown, instancePath: string): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  let value = document;
  const pick = (candidate: SchemaNode) => {
    const resolved = resolve(candidate);
    return resolved.oneOf?.map(resolve).find((alternative) => matchesType(alternative, value)) ?? resolved;
  };
  node = pick(root);
  for (const segment of segments(instancePath)) {
    if (!node) return undefined;
    const key = Array.isArray(value) ? Number(segment) : segment;
    const next: SchemaNode | boolean | undefined =
      typeof key === 'number' ? node.items : (node.properties?.[key] ?? node.additionalProperties);
    value = (value as Record<string | number, unknown>)[key];
    node = typeof next === 'object' ? pick(next) : undefined;
  }
  return node;
}
