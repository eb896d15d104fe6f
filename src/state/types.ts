/** Local records of deployments (registry.json) and per-project state (.linode/state.json). */
import type { PlanPrint } from '../plan/fingerprint.js';
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
  /** The idle limit in the build-idle: tag (`deploy --idle`, `lifetime.idle`), e.g. `2h`. */
  readonly idleLimit?: string;
  /** When the app first answered its health check successfully (ISO): until then it is `starting`. */
  readonly healthyAt?: string;
  /** What it was deployed from (HMACs, never values): the next deploy diffs against it. */
  readonly fingerprint?: PlanPrint;
  /** Deployed with --no-ssh: no key can log in, so it cannot be updated in place. */
  readonly noSsh?: boolean;
  /** While a `deploy --replace` is under way: the id of the deployment this one replaces. */
  readonly replaces?: string;
  /** How far that replace got, so a resumed one neither repeats nor skips a step. */
  readonly replaceStage?: 'address-moved' | 'rebooted';
  /**
   * A deployment of several replicas behind a NodeBalancer (absent for a single instance, as
   * in every record written before replicas existed). `ipv4`/`hostname` are then the
   * NodeBalancer's, and `linodeId`/`firewallId` replica 1's and the replicas' firewall.
   */
  readonly scale?: ScaleState;
}

/** The resources of a deployment with replicas, as far as they were made. */
export interface ScaleState {
  readonly replicas: number;
  readonly nodeBalancerId?: number;
  readonly nodeBalancerFirewallId?: number;
  /** The NodeBalancer's port config (made with the first backend). */
  readonly configId?: number;
  readonly placementGroupId?: number;
  readonly members: readonly ReplicaMember[];
  /**
   * When an app-level roll over the replicas began (ISO), until a deploy finishes it: a roll
   * that was killed or stopped leaves it, so `status` can say so and the next deploy rolls
   * the drained backends first.
   */
  readonly rollStartedAt?: string;
  /**
   * Set with rollStartedAt when the roll stopped on its own (a replica failed its health check
   * or its update): what `status` tells apart from a deploy that was cut short. Cleared by the
   * next roll's start and by a finished one.
   */
  readonly rollStopped?: RollStop;
  /**
   * When a roll relaxed the NodeBalancer's health check to `connection` (ISO), because it
   * changes the template's health check (src/deploy/nodebalancer-config.ts): until a roll
   * finishes and sets the HTTP check again. Set before the config changes.
   */
  readonly checkRelaxedAt?: string;
  /**
   * While `deploy --replace` rolls new instances in (src/deploy/replace-roll.ts), until every
   * replica runs the new plan: a roll that was killed or stopped leaves it, so the next deploy
   * knows which replicas already run what.
   */
  readonly replacing?: ReplaceMark;
}

/** Where and why a roll stopped, and which replicas run the new version. */
export interface RollStop {
  /** ISO. */
  readonly at: string;
  /** The replica whose update stopped the roll. */
  readonly replica: number;
  /** Short: `health check failed`. */
  readonly reason: string;
  /** Replicas that run the new version (updated and healthy before the stop). */
  readonly updated: readonly number[];
}

/** What a machine-level roll (`deploy --replace`) is replacing the replicas with. */
export interface ReplaceMark {
  /** When it began (ISO). */
  readonly startedAt: string;
  /** The fingerprint of the plan the new instances are made from. */
  readonly fingerprint: PlanPrint;
  readonly type: string;
  readonly image: string;
  /** Replicas whose instance was replaced by one of that plan (the others run the record's). */
  readonly done: readonly number[];
  /**
   * The replace stopped on its own: a replica's new instance never became healthy (it was
   * deleted; the old one serves on). Absent while it runs and when a deploy was cut short;
   * the next `deploy --replace` writes a new mark without it.
   */
  readonly stopped?: ReplaceStop;
}

/** Where a replace stopped, and why (short: `its new instance did not pass …`). */
export interface ReplaceStop {
  /** ISO. */
  readonly at: string;
  readonly replica: number;
  readonly reason: string;
}

export interface ReplicaMember {
  readonly index: number;
  readonly linodeId: number;
  /** Its public address (SSH) and private one (the NodeBalancer backend). */
  readonly ipv4?: string;
  readonly privateIpv4?: string;
  /**
   * Its new instance while `deploy --replace` brings one in beside it: written before the
   * create request (so a run killed before the answer still finds it, by its
   * `build-replacing:` tag), then its id and addresses.
   */
  readonly replacement?: {
    readonly linodeId?: number;
    readonly ipv4?: string;
    readonly privateIpv4?: string;
  };
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

/** One env's deployment in `.linode/state.json` (version 1 of the file held just this). */
export interface ProjectState {
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

/**
 * `.linode/state.json` inside a project directory: the project's deployment per env. Version 1
 * files (one deployment) are read as a project with that one env.
 */
export interface ProjectFile {
  readonly version: 2;
  readonly envs: Readonly<Record<string, ProjectState>>;
}
