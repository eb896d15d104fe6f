/**
 * What plan output may show of a plan: the create request with user_data summarised (length
 * and sha256) and the root password replaced, and any text scrubbed of every secret value.
 */
import { createHash } from 'node:crypto';
import type { DeployPlan } from './types.js';

export const REDACTED = '[redacted]';

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The create body as plan shows and writes it (create-request.json). */
export function redactedCreateRequest(plan: DeployPlan) {
  const { metadata, root_pass: rootPass, ...rest } = plan.instance;
  return {
    ...rest,
    ...(rootPass !== undefined ? { root_pass: REDACTED } : {}),
    metadata: {
      user_data: {
        bytes: Buffer.byteLength(plan.userData, 'utf8'),
        base64_bytes: metadata.user_data.length,
        sha256: sha256(plan.userData),
      },
    },
  };
}

/** Replaces every secret value (4+ characters, as Output.redact does) in `text`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join(REDACTED);
  return result;
}
