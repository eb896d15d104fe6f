/**
 * X-Filter evaluation for the fake API, following the documented semantics: a plain
 * `{field: value}` is equality (for a list field such as `tags`: the list holds that value);
 * `+and` / `+or` combine; operator objects (`+contains`, `+neq`, `+gt`, …) apply to scalar
 * fields. String operators on list fields are rejected, so client code cannot come to rely on
 * a filter the real API does not offer.
 */

export class FilterError extends Error {}

type Row = Record<string, unknown>;

const orderingKeys = new Set(['+order', '+order_by']);

export function parseFilterHeader(header: string | undefined): unknown {
  if (header === undefined || header === '') return {};
  try {
    return JSON.parse(header);
  } catch {
    throw new FilterError('X-Filter is not valid JSON');
  }
}

export function matchesFilter(row: Row, filter: unknown, filterable: ReadonlySet<string>): boolean {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
    throw new FilterError('X-Filter must be a JSON object');
  }
  for (const [key, condition] of Object.entries(filter)) {
    if (orderingKeys.has(key)) continue;
    if (key === '+and' || key === '+or') {
      if (!Array.isArray(condition)) throw new FilterError(`${key} must be a list of filters`);
      const results = condition.map((part) => matchesFilter(row, part, filterable));
      if (key === '+and' ? !results.every(Boolean) : !results.some(Boolean)) return false;
      continue;
    }
    if (!filterable.has(key)) throw new FilterError(`Cannot filter on ${key}`);
    if (!matchesField(row[key], condition, key)) return false;
  }
  return true;
}

function matchesField(value: unknown, condition: unknown, field: string): boolean {
  if (condition !== null && typeof condition === 'object') {
    const entries = Object.entries(condition);
    if (entries.length !== 1) throw new FilterError(`Filter on ${field} needs exactly one operator`);
    const [operator, operand] = entries[0]!;
    if (Array.isArray(value)) throw new FilterError(`Operator ${operator} is not supported on ${field}`);
    switch (operator) {
      case '+contains':
        return typeof value === 'string' && typeof operand === 'string' && value.includes(operand);
      case '+neq':
        return value !== operand;
      case '+gt':
        return Number(value) > Number(operand);
      case '+gte':
        return Number(value) >= Number(operand);
      case '+lt':
        return Number(value) < Number(operand);
      case '+lte':
        return Number(value) <= Number(operand);
      default:
        throw new FilterError(`Unknown filter operator ${operator}`);
    }
  }
  if (Array.isArray(value)) return value.includes(condition);
  return value === condition;
}
