/**
 * What plan output may show of a plan: the create request with user_data summarised (length
 * and sha256) and the root password replaced. Scrubbing secret values is src/util/redact.ts.
 */
import { createHash } from 'node:crypto';
import { REDACTED } from '../util/redact.js';
import type { DeployPlan } from './types.js';

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The bytes sent as user-data (before base64): the document, or its gzip. */
export function userDataPayloadOf(plan: DeployPlan): Buffer {
  return Buffer.from(plan.instance.metadata.user_data, 'base64');
}

/**
 * The create body as plan shows and writes it (create-request.json): user_data as the size
 * and sha256 of the bytes sent, and, when gzipped, of the document inside.
 */
export function redactedCreateRequest(plan: DeployPlan) {
  const { metadata, root_pass: rootPass, ...rest } = plan.instance;
  const payload = userDataPayloadOf(plan);
  return {
    ...rest,
    ...(rootPass !== undefined ? { root_pass: REDACTED } : {}),
    metadata: {
      user_data: {
        bytes: payload.length,
        base64_bytes: metadata.user_data.length,
        sha256: sha256(payload),
        ...(plan.size.encoding === 'gzip'
          ? {
              encoding: 'gzip',
              document_bytes: plan.size.document,
              document_sha256: sha256(plan.userData),
            }
          : {}),
      },
    },
  };
}
