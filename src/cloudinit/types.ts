/** A file in write_files, tagged with the size-report part it belongs to. */
export interface CloudFile {
  readonly path: string;
  readonly content: string;
  /** Octal mode as a string, e.g. '0644'. */
  readonly permissions: string;
  readonly owner: string;
  readonly defer?: boolean;
  /** `content` is already gzip + base64 (packed at build time). */
  readonly encoding?: 'gz+b64';
  /** Size-report part (runner, a capability name, app, setup files, env). */
  readonly part: string;
}

/** One boot step as the runner sees it. */
export interface BootStep {
  /** `NN-capability-name`: file name stem and status id. */
  readonly id: string;
  readonly capability: string;
  readonly name: string;
  readonly description: string;
  /** The complete script, run as `bash STEP.sh`. */
  readonly script: string;
  /** Variables exported to the script. */
  readonly env?: Readonly<Record<string, string>>;
  /** Capabilities that must not have failed for this step to run (transitively closed). */
  readonly dependsOn: readonly string[];
  readonly part: string;
}
