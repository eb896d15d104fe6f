/**
 * The template model: what `template.yml` / `deploy.yml` hold after loading and validation.
 * The JSON Schema in schema/template.schema.json is the contract for the file; these types
 * are the normalised in-memory form (features always objects, lists always present).
 */

export type Runtime = 'docker' | 'native' | 'k3s';

export interface FeatureRef {
  readonly name: string;
  /** Capability-specific settings, validated against the capability's config schema. */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface HealthCheck {
  readonly type: 'http' | 'tcp' | 'exec';
  /** HTTP path (type http). */
  readonly path?: string;
  /**
   * The port the app listens on INSIDE the container. Checks on the instance use it through
   * the container; remote checks (from the CLI) go through the published external port.
   */
  readonly port?: number;
  /** Command run inside the container (type exec), as argv. */
  readonly command?: readonly string[];
  readonly success_codes: readonly number[];
  readonly initial_delay_seconds: number;
  readonly timeout_seconds: number;
  readonly interval_seconds: number;
  readonly max_retries: number;
}

export interface ContainerSpec {
  readonly image: string;
  readonly internal_port: number;
  readonly external_port: number;
  /**
   * Arguments after the image. A string is expanded (${VAR} forms) then split into words
   * like a shell would without running anything; a list is expanded item by item, unsplit.
   */
  readonly command?: string | readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** `host:container[:ro]` bind mounts or named volumes. */
  readonly volumes: readonly string[];
  readonly post_start_script?: string;
  readonly health?: HealthCheck;
  /** Let containers reach the metadata service (169.254.169.254). Off by default: user-data holds secrets. */
  readonly allow_metadata_access: boolean;
}

export interface FirewallRuleSpec {
  readonly ports: string;
  readonly protocol: 'TCP' | 'UDP';
  readonly sources: readonly string[];
  readonly description?: string;
}

export interface LinodeSpec {
  readonly image: string;
  /** The template names no image: `image` is the built-in default (linode-cli's may replace it). */
  readonly imageIsDefault?: true;
  readonly region_default?: string;
  readonly type_default?: string;
  readonly tags: readonly string[];
  /**
   * Identical instances behind a NodeBalancer (1–20). Absent means 1: one instance, no
   * NodeBalancer, exactly as before replicas existed.
   */
  readonly replicas?: number;
  readonly container?: ContainerSpec;
  /** Extra inbound firewall rules beyond the app port and SSH. */
  readonly firewall: { readonly inbound: readonly FirewallRuleSpec[] };
}

export interface SetupFile {
  readonly path: string;
  readonly permissions: string;
  readonly owner: string;
  readonly content: string;
  /**
   * Relative path of a file next to the template that supplied `content` (loadTemplateFile
   * reads it; install and init copy it). Absent when the content is inline.
   */
  readonly source?: string;
}

export interface EnvVarSpec {
  readonly name: string;
  readonly description: string;
  /** Secret values are never printed; all values are treated as secret by default in output. */
  readonly secret: boolean;
}

export interface GuidanceExample {
  readonly description: string;
  readonly command: string;
}

export interface Template {
  readonly name: string;
  readonly display_name: string;
  readonly version: string;
  readonly description: string;
  readonly capabilities: {
    readonly runtime: Runtime;
    readonly features: readonly FeatureRef[];
    readonly packages: readonly string[];
  };
  readonly deploy: {
    readonly target: 'linode';
    readonly linode: LinodeSpec;
  };
  readonly setup: {
    readonly script?: string;
    readonly files: readonly SetupFile[];
  };
  readonly env: {
    readonly required: readonly EnvVarSpec[];
    readonly optional: readonly EnvVarSpec[];
  };
  readonly guidance?: {
    readonly summary?: string;
    readonly examples: readonly GuidanceExample[];
  };
  /**
   * Name of the deployed app (instance label, `build-app:` tag). Set by `init --app-name`;
   * when absent the template name is used.
   */
  readonly app_name?: string;
  /** Default lifetime (e.g. `8h`) after which `reap` may destroy the deployment. */
  readonly lifetime?: string;
  /** `lifetime: {idle: 2h}`: `reap` destroys the deployment once idle this long (build-idle: tag). */
  readonly idleLifetime?: string;
}

/** Where a diagnostic points: a field path plus, when known, a file position. */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  /** Dotted field path, e.g. `deploy.linode.container.internal_port` (`features[1]` for items). */
  readonly path: string;
  readonly message: string;
  /** What to do about it. */
  readonly hint?: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

export type TemplateSource = 'bundled' | 'user' | 'path';

export interface LoadedTemplate {
  readonly template: Template;
  /** The file it was read from. */
  readonly file: string;
  readonly source: TemplateSource;
  /** Warnings only (a template with errors is not returned; TemplateError is thrown). */
  readonly warnings: readonly Diagnostic[];
}
