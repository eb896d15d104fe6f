/**
 * The DeployPlan: everything a deployment will do, computed without I/O. `plan` prints it,
 * `deploy` executes it. Same inputs, same bytes.
 */

import type { EndpointDeclaration } from '../capability/types.js';
import type { UserDataEncoding } from '../cloudinit/payload.js';
import type { CloudFile } from '../cloudinit/types.js';
import type { Diagnostic, Template } from '../template/types.js';

export interface DeploymentContext {
  /** 8 characters from nanoid's lowercase alphabet. */
  readonly deploymentId: string;
  readonly appName: string;
  readonly envName: string;
  /** Deployment time (fixes labels and any timestamps in the plan). */
  readonly now: Date;
  readonly region: string;
  readonly type: string;
  readonly image: string;
  /** Public SSH keys for authorized_keys. */
  readonly sshKeys: readonly string[];
  /** Generated root password, or undefined when keys only. Secret. */
  readonly rootPass?: string;
  /** Generated per-deployment secrets (e.g. watcherToken). */
  readonly secrets: Readonly<Record<string, string>>;
  /** Lifetime expiry, if any. */
  readonly expiresAt?: Date;
  /** Idle limit (a checked duration, e.g. `2h`) for the build-idle: tag, if any. */
  readonly idleLimit?: string;
  /** How user-data is sent; default by image (cloudinit/payload.ts). */
  readonly userDataEncoding?: UserDataEncoding;
}

export interface PlanInput {
  readonly template: Template;
  /** Values from the .env file (already parsed). Secret. */
  readonly dotenv: Readonly<Record<string, string>>;
  readonly context: DeploymentContext;
}

export interface PlannedStep {
  /** Boot-status id, `NN-capability-name` (added by the composer). */
  readonly id?: string;
  readonly capability: string;
  readonly name: string;
  readonly description: string;
}

export interface SizeReport {
  /** Bytes sent as user-data (before base64): what Linode's limit applies to. */
  readonly total: number;
  readonly limit: number;
  /** `gzip`: the sent bytes are the document's gzip, which cloud-init unpacks. */
  readonly encoding: UserDataEncoding;
  /** Bytes of the #cloud-config document cloud-init reads (equal to total when plain). */
  readonly document: number;
  /** Document bytes attributed to each part (capability, app, setup files, env, runner), largest first. */
  readonly parts: readonly { readonly name: string; readonly bytes: number }[];
}

/** The body of POST /linode/instances (field names as the API expects). */
export interface InstanceCreateBody {
  readonly label: string;
  readonly region: string;
  readonly type: string;
  readonly image: string;
  readonly root_pass?: string;
  readonly authorized_keys?: readonly string[];
  readonly tags: readonly string[];
  readonly metadata: { readonly user_data: string };
  readonly firewall_id?: number;
  readonly booted?: boolean;
  /** A private IPv4 address (192.168.128.0/17): replicas get one, where their NodeBalancer reaches them. */
  readonly private_ip?: boolean;
  /** The placement group a replica joins (anti-affinity). */
  readonly placement_group?: { readonly id: number };
}

export interface FirewallRule {
  readonly label: string;
  readonly action: 'ACCEPT' | 'DROP';
  readonly protocol: 'TCP' | 'UDP' | 'ICMP';
  readonly ports?: string;
  readonly addresses: { readonly ipv4?: readonly string[]; readonly ipv6?: readonly string[] };
  readonly description?: string;
}

/** The body of POST /networking/firewalls. */
export interface FirewallCreateBody {
  readonly label: string;
  readonly tags: readonly string[];
  readonly rules: {
    readonly inbound_policy: 'ACCEPT' | 'DROP';
    readonly outbound_policy: 'ACCEPT' | 'DROP';
    readonly inbound: readonly FirewallRule[];
    readonly outbound: readonly FirewallRule[];
  };
}

export interface DeployPlan {
  readonly template: Template;
  readonly context: DeploymentContext;
  readonly capabilities: readonly {
    readonly name: string;
    readonly addedBy: string;
    readonly config: unknown;
  }[];
  /** Services the capabilities expose that the CLI connects to (the watcher's API), by name. */
  readonly endpoints: readonly (EndpointDeclaration & { readonly capability: string })[];
  readonly packages: readonly string[];
  readonly steps: readonly PlannedStep[];
  /** Ports open on the firewall (app port, SSH, extras). */
  readonly ports: readonly {
    readonly port: number;
    readonly protocol: string;
    readonly description: string;
  }[];
  /** The user-data document cloud-init reads (starts with `#cloud-config`). Contains secrets. */
  readonly userData: string;
  readonly size: SizeReport;
  /** Create request with metadata.user_data = base64(userData, gzipped when size.encoding is gzip). Contains secrets. */
  readonly instance: InstanceCreateBody;
  readonly firewall: FirewallCreateBody;
  /** Names (never values) of env variables shipped to the container. */
  readonly envNames: readonly string[];
  /** Every secret value in the plan, so output layers can redact them. */
  readonly secretValues: readonly string[];
  readonly warnings: readonly Diagnostic[];
  /** Every file written by write_files: path, size-report part, bytes before encoding. */
  readonly files?: readonly { readonly path: string; readonly part: string; readonly bytes: number }[];
  /** The same files with their content, for fingerprints and in-place updates. Contains secrets. */
  readonly writeFiles: readonly CloudFile[];
  /** The variables shipped to the app, name → value. Secret. */
  readonly envValues: Readonly<Record<string, string>>;
}
