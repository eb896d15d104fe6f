/** Local records of deployments (registry.json) and per-project state (.linode/state.json). */
import type { HealthCheck } from '../template/types.js';

export type RecordStatus = 'creating' | 'active' | 'destroying' | 'failed';

export interface DeploymentRecord {
  /** 8-character deployment id (also the `build-id:` tag). */
  readonly id: string;
  readonly app: string;
  readonly env: string;
  readonly template: string;
  readonly templateVersion: string;
  readonly status: RecordStatus;
  readonly region: string;
  readonly type: string;
  readonly image: string;
  readonly label: string;
  readonly linodeId?: number;
  readonly firewallId?: number;
  readonly ipv4?: string;
  readonly hostname?: string;
  readonly externalPort?: number;
  readonly internalPort?: number;
  readonly health?: HealthCheck;
  /** Absolute path of the project directory it was deployed from, if any. */
  readonly projectDir?: string;
  /** Watcher port, when the buildwatch capability is enabled (its token is a secret file). */
  readonly watcherPort?: number;
  /** Absolute path of the private key the deploy used (ssh, the watcher tunnel, updates). */
  readonly sshIdentityFile?: string;
  /** ISO timestamps. */
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly expiresAt?: string;
}

/** What the registry keeps of a destroyed deployment, so destroying it again is not "not found". */
export interface DestroyedRecord {
  readonly id: string;
  readonly app: string;
  readonly env: string;
  /** ISO timestamp. */
  readonly destroyedAt: string;
}

export interface RegistryFile {
  readonly version: 1;
  readonly deployments: readonly DeploymentRecord[];
  /** The most recently destroyed deployments, oldest first (at most DESTROYED_KEPT). */
  readonly destroyed?: readonly DestroyedRecord[];
}

/** `.linode/state.json` inside a project directory. */
export interface ProjectState {
  readonly version: 1;
  readonly deploymentId: string;
  readonly linodeId?: number;
  readonly app: string;
  readonly env: string;
  readonly region: string;
  readonly type: string;
  readonly ipv4?: string;
  readonly hostname?: string;
  readonly createdAt: string;
  /** Filled in when the deployment is destroyed (kept as a note of what was there). */
  readonly destroyedAt?: string;
}
