/**
 * What every route of the fake API shares: Linode's error shape, body parsing, validation with
 * Linode's own schemas (@linode/validation), paging and timestamps.
 */
import { matchesFilter } from './filter.js';

/** A request as the resource modules (nodebalancers.ts, vpcs.ts, placement.ts) route it. */
export interface RouteRequest {
  readonly method: string;
  /** The path after /v4 or /v4beta, split on `/` and decoded. */
  readonly segments: readonly string[];
  readonly url: URL;
  /** The body as a JSON object (400 when it is not one); read only by routes that take one. */
  readonly body: () => Record<string, unknown>;
  /** The parsed X-Filter ({} when none). */
  readonly filter: unknown;
  readonly apiVersion: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: readonly { field?: string; reason: string }[],
  ) {
    super(errors.map((error) => error.reason).join('; '));
  }
}

export function apiTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

export function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Reported below.
  }
  throw new HttpError(400, [{ reason: 'Request body must be a JSON object' }]);
}

export interface YupLikeSchema {
  validate(value: unknown, options: { abortEarly: boolean }): Promise<unknown>;
}

/** Runs one of Linode's own schemas; failures become the API's 400 shape. */
export async function validateWith(schema: YupLikeSchema, body: unknown): Promise<void> {
  try {
    await schema.validate(body, { abortEarly: false });
  } catch (error) {
    const inner = (error as { inner?: { path?: string; message: string }[]; message?: string }).inner;
    const errors =
      inner && inner.length > 0
        ? inner.map((item) => ({ ...(item.path ? { field: item.path } : {}), reason: item.message }))
        : [{ reason: String((error as Error).message) }];
    throw new HttpError(400, errors);
  }
}

export function findOr404<T extends { id: string }>(items: readonly T[], id: string, what: string): T {
  const found = items.find((item) => item.id === id);
  if (!found) throw new HttpError(404, [{ reason: `${what} ${id} not found` }]);
  return found;
}

/** The API's paging: `page` from 1, `page_size` 25–500 (default 100). */
export function page<T>(
  items: readonly T[],
  url: URL,
): { data: T[]; page: number; pages: number; results: number } {
  const pageNumber = Number(url.searchParams.get('page') ?? '1');
  const pageSize = Number(url.searchParams.get('page_size') ?? '100');
  if (!Number.isInteger(pageNumber) || pageNumber < 1) {
    throw new HttpError(400, [{ field: 'page', reason: 'page must be a positive integer' }]);
  }
  if (!Number.isInteger(pageSize) || pageSize < 25 || pageSize > 500) {
    throw new HttpError(400, [{ field: 'page_size', reason: 'page_size must be between 25 and 500' }]);
  }
  const pages = Math.max(1, Math.ceil(items.length / pageSize));
  return {
    data: items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
    page: pageNumber,
    pages,
    results: items.length,
  };
}

/** The route of a request: `GET /nodebalancers/:id/configs` for `GET /nodebalancers/7/configs`. */
export function routeKey(method: string, segments: readonly string[]): string {
  return `${method} /${segments.map((segment) => (/^\d+$/.test(segment) ? ':id' : segment)).join('/')}`;
}

/** A page of the items matching the request's X-Filter (on the fields the API allows). */
export function filteredPage<T>(
  items: readonly T[],
  filter: unknown,
  filterable: ReadonlySet<string>,
  url: URL,
) {
  return page(
    items.filter((item) => matchesFilter(item as unknown as Record<string, unknown>, filter, filterable)),
    url,
  );
}

/** The value, or the API's 404 when there is none. */
export function found<T>(value: T | undefined): T {
  if (value === undefined) throw new HttpError(404, [{ reason: 'Not found' }]);
  return value;
}
