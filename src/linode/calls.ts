/**
 * What the resource modules (nodebalancers.ts, vpcs.ts, placement.ts, firewall-devices.ts) get
 * from LinodeClient: the loaded api-v4 module and its one way of calling it — retries, paging,
 * at-most-once creates, actionable errors and the on-disk offerings list cache. Keeping these in
 * LinodeClient means every request, whatever the resource, behaves the same under faults.
 */
import type { ResourcePage } from '@linode/api-v4';
import type { LinodeApiModule } from './api.js';

/** The API's maximum page size: 500 instances (or NodeBalancers, …) per request. */
export const pageSize = 500;

export interface ApiCalls {
  readonly api: LinodeApiModule;
  /** One idempotent call with retries; API errors become CliError. `notFound` maps a 404 to a value. */
  call<T, N = never>(action: string, operation: () => Promise<T>, options?: { notFound?: N }): Promise<T | N>;
  /** A delete with retries: 'absent' when the API says 404 (deletes are idempotent). */
  remove(action: string, operation: () => Promise<unknown>): Promise<'deleted' | 'absent'>;
  /** Every page of a list (page_size 500). */
  allPages<T>(action: string, fetchPage: (page: number) => Promise<ResourcePage<T>>): Promise<T[]>;
  /** A create made at most once: after an outcome-unknown failure, `lookup` decides. */
  createOnce<T>(action: string, create: () => Promise<T>, lookup: () => Promise<T | undefined>): Promise<T>;
  /** A slow-changing offerings list (prices), cached on disk for a day per API origin. */
  cachedCatalog<T>(name: string, load: () => Promise<T>): Promise<T>;
}
