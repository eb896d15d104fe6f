/** A registry record for tests; fields override the defaults. */
import type { DeploymentRecord } from '../../src/state/types.js';

export function deploymentRecord(id: string, fields: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id,
    app: 'svc',
    env: 'prod',
    template: 'chat-agent',
    templateVersion: '1.0.0',
    status: 'active',
    region: 'us-ord',
    type: 'g6-standard-2',
    image: 'linode/ubuntu24.04',
    label: `svc-prod-${id}`,
    externalPort: 80,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...fields,
  };
}
