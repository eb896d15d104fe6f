/**
 * The options `plan`, `deploy` and `deploy --dry-run` share, from their command-line names to
 * preparePlan's: one mapping, so a new shared option cannot reach one command and not another
 * (the dry run once lost --ttl that way).
 */
import type { PlanRequest } from '../deploy/prepare.js';

export interface TargetOptions {
  readonly directory?: string | undefined;
  readonly region?: string | undefined;
  readonly type?: string | undefined;
  readonly image?: string | undefined;
  readonly 'app-name'?: string | undefined;
  readonly env?: string | undefined;
  readonly 'env-file'?: string | undefined;
  readonly ttl?: string | undefined;
  readonly idle?: string | undefined;
  readonly 'user-data-encoding'?: string | undefined;
  readonly replicas?: number | undefined;
}

export type TargetRequest = Pick<
  PlanRequest,
  | 'directory'
  | 'region'
  | 'type'
  | 'image'
  | 'appName'
  | 'envName'
  | 'envFile'
  | 'ttl'
  | 'idle'
  | 'userDataEncoding'
  | 'replicas'
>;

export function targetRequest(options: TargetOptions): TargetRequest {
  return {
    directory: options.directory,
    region: options.region,
    type: options.type,
    image: options.image,
    appName: options['app-name'],
    envName: options.env,
    envFile: options['env-file'],
    ttl: options.ttl,
    idle: options.idle,
    userDataEncoding: options['user-data-encoding'],
    replicas: options.replicas,
  };
}
