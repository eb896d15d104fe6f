/**
 * The capability contract. Each folder under capabilities/ exports one CapabilityDefinition;
 * the planner resolves them (requires, conflicts, config) and the cloud-init composer turns
 * their fragments into one user-data document. Definitions are pure: no I/O, no clock.
 */
import type { Runtime, Template } from '../template/types.js';

/** A JSON Schema (draft-07 subset that Ajv understands) for a capability's config. */
export type JsonSchema = Readonly<Record<string, unknown>>;

export interface WriteFile {
  readonly path: string;
  readonly content: string;
  /** Octal mode as a string, e.g. '0644' (never a YAML number: cloud-init reads YAML 1.1). */
  readonly permissions: string;
  readonly owner: string;
  /** Write after packages are installed (cloud-init `defer`), e.g. when a package creates the owner. */
  readonly defer?: boolean;
  /** `content` is already gzip + base64 (packed at build time); written with that encoding. */
  readonly encoding?: 'gz+b64';
}

export interface AptSource {
  /** Identifier, used for the sources.list.d file name. */
  readonly name: string;
  /** The deb line; `$KEY_FILE` is replaced by cloud-init with the keyring path (signed-by). */
  readonly source: string;
  /** ASCII-armoured public key, pinned in the capability (preferred: no key download at boot). */
  readonly key?: string;
  /** Or a full fingerprint to fetch from `keyserver`. */
  readonly keyid?: string;
  readonly keyserver?: string;
}

/** One whole script run by the boot runner; never a fragment of a shell construct. */
export interface SetupStep {
  /** Short kebab-case name, unique within the capability, e.g. `install-driver`. */
  readonly name: string;
  /** Human description shown in progress output. */
  readonly description: string;
  /** The complete bash script (from a real .sh file in the capability folder). */
  readonly script: string;
  /** Environment variables passed to the script (config values), never interpolated into it. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface PortRule {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
  /** Whether the per-deployment firewall opens it to the internet by default. */
  readonly public: boolean;
  /** When not public: CIDRs the firewall admits to this port (absent or empty: nobody). */
  readonly sources?: readonly string[];
  readonly description: string;
}

/** A command that tells whether the capability works once installed (e.g. `nvidia-smi`). */
export interface Probe {
  readonly name: string;
  readonly argv: readonly string[];
}

export interface Fragments {
  /** apt packages; installed by the composer in one step per capability, with lock wait and retries. */
  readonly packages?: readonly string[];
  readonly aptSources?: readonly AptSource[];
  /** Run early on every boot; argv arrays. Use sparingly. */
  readonly bootcmd?: readonly (readonly string[])[];
  readonly writeFiles?: readonly WriteFile[];
  /** Ordered steps, run after this capability's packages are installed. */
  readonly steps?: readonly SetupStep[];
  readonly ports?: readonly PortRule[];
  readonly probes?: readonly Probe[];
  /** What the app container needs from this capability. */
  readonly container?: {
    /** Extra `docker run` arguments, as argv (e.g. ['--gpus', 'all']). */
    readonly runArgs?: readonly string[];
    /** Default env for the container (template env and .env override these). */
    readonly env?: Readonly<Record<string, string>>;
  };
}

export interface CapabilityContext {
  readonly template: Template;
  readonly runtime: Runtime;
  /** The Linode image, e.g. `linode/ubuntu24.04`. */
  readonly image: string;
  readonly region: string;
  readonly type: string;
  readonly deploymentId: string;
  readonly appName: string;
  readonly envName: string;
  /** Names of every capability in the resolved set. */
  readonly capabilities: ReadonlySet<string>;
  /** Generated per-deployment secrets a capability may embed (e.g. `watcherToken`). */
  readonly secrets: Readonly<Record<string, string>>;
  /**
   * Validated config (defaults applied) of every resolved capability, by name. Lets one
   * capability fold another's settings into a file it owns (docker writes the single
   * daemon.json, including docker-optimize's settings). Absent entries mean defaults.
   */
  readonly configs?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export interface CapabilityDefinition<Config = Record<string, unknown>> {
  readonly name: string;
  readonly kind: 'runtime' | 'feature';
  readonly summary: string;
  /** Markdown, for generated docs. */
  readonly description: string;
  /** JSON Schema for `config`, with defaults; `additionalProperties: false`. */
  readonly configSchema: JsonSchema;
  /** A YAML snippet showing the capability in a template. */
  readonly example: string;
  /** Capabilities added automatically when this one is present. */
  readonly requires?: (config: Config, context: { readonly runtime: Runtime }) => readonly string[];
  readonly conflicts?: readonly string[];
  /** Capabilities this one must come after when they are present (ordering only, not added). */
  readonly after?: readonly string[];
  /** Runtimes it works with; absent means all. */
  readonly runtimes?: readonly Runtime[];
  /** Linode images it supports (e.g. `linode/ubuntu22.04`); absent means any. */
  readonly images?: readonly string[];
  /** Deprecated names that still resolve here (e.g. `nodejs-18` → nodejs-20), with a warning. */
  readonly aliases?: readonly string[];
  /** Still offered but on its way out (e.g. an end-of-life Node.js line): using it warns. */
  readonly deprecated?: {
    /** Why, as a sentence fragment: `Node.js 20 reached end of life on 2026-04-30`. */
    readonly reason: string;
    /** What to write instead: `nodejs-22 or nodejs-24`. */
    readonly use: string;
  };
  fragments(config: Config, context: CapabilityContext): Fragments;
}

/** A capability after resolution: where it came from and its validated config (defaults applied). */
export interface ResolvedCapability {
  readonly definition: CapabilityDefinition;
  readonly config: Readonly<Record<string, unknown>>;
  /** `template` when declared; otherwise the name of the capability that required it. */
  readonly addedBy: string;
  /**
   * Resolved capabilities this one depends on (its requirements and `after` entries that are
   * present), so the boot runner can skip its steps when one of them failed.
   */
  readonly dependsOn?: readonly string[];
}
