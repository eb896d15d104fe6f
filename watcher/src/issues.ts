/**
 * Issues: one open issue per (kind, container name), updated in place while the condition
 * lasts (count, last_seen, evidence), resolved when it clears, then kept in a bounded history.
 * Keyed by container name so a container recreated by its systemd unit keeps its issues.
 */

export type IssueKind =
  | 'oom_killed'
  | 'crash_loop'
  | 'nonzero_exit'
  | 'unhealthy'
  | 'slow_start'
  | 'gpu_oom'
  | 'gpu_xid'
  | 'gpu_ecc'
  | 'gpu_throttle'
  | 'gpu_memory_high'
  | 'gpu_unavailable';
export type Severity = 'critical' | 'error' | 'warning';
export type Evidence = Record<string, string | number | boolean>;

export const ISSUE_KINDS: readonly IssueKind[] = [
  'oom_killed',
  'crash_loop',
  'nonzero_exit',
  'unhealthy',
  'slow_start',
  'gpu_oom',
  'gpu_xid',
  'gpu_ecc',
  'gpu_throttle',
  'gpu_memory_high',
  'gpu_unavailable',
];

export const SEVERITY: Record<IssueKind, Severity> = {
  oom_killed: 'critical',
  crash_loop: 'critical',
  gpu_oom: 'critical',
  gpu_xid: 'critical',
  gpu_ecc: 'critical',
  gpu_unavailable: 'critical',
  gpu_memory_high: 'error',
  gpu_throttle: 'warning',
  nonzero_exit: 'error',
  unhealthy: 'error',
  slow_start: 'warning',
};

export interface ContainerRef {
  id: string;
  name: string;
  image: string;
}

export interface Issue {
  id: string;
  kind: IssueKind;
  severity: Severity;
  container: ContainerRef;
  message: string;
  first_seen: string;
  last_seen: string;
  count: number;
  evidence: Evidence;
  state: 'open' | 'resolved';
  resolved_at?: string;
  resolution?: string;
}

export interface RaiseOptions {
  /** False when re-asserting a known condition (reconcile): no count increment if already open. */
  readonly increment?: boolean;
}

export class IssueBook {
  private readonly open = new Map<string, Issue>();
  private readonly resolved: Issue[] = [];
  private nextId = 1;
  /** Bumped on every change, so readers can cache what they derived from the book. */
  version = 0;

  constructor(
    private readonly onChange: (issue: Issue) => void = () => {},
    private readonly historyLimit = 200,
  ) {}

  private static key(kind: IssueKind, containerName: string): string {
    return `${kind}|${containerName}`;
  }

  private changed(issue: Issue): void {
    this.version += 1;
    this.onChange(issue);
  }

  isOpen(kind: IssueKind, containerName: string): boolean {
    return this.open.has(IssueBook.key(kind, containerName));
  }

  raise(
    kind: IssueKind,
    container: ContainerRef,
    at: string,
    message: string,
    evidence: Evidence,
    options: RaiseOptions = {},
  ): Issue {
    const key = IssueBook.key(kind, container.name);
    const existing = this.open.get(key);
    if (existing) {
      if (options.increment === false) return existing;
      existing.count += 1;
      if (at > existing.last_seen) existing.last_seen = at;
      // Replaced only when different (never changed in place: a copy of the issue handed out
      // earlier keeps what it saw); under a crash loop most updates change only the count.
      const was = existing.container;
      if (was.id !== container.id || was.name !== container.name || was.image !== container.image)
        existing.container = { ...container };
      if (existing.message !== message) existing.message = message;
      for (const key in evidence) {
        if (existing.evidence[key] !== evidence[key]) {
          existing.evidence = { ...existing.evidence, ...evidence };
          break;
        }
      }
      this.changed(existing);
      return existing;
    }
    const issue: Issue = {
      id: `i${this.nextId++}`,
      kind,
      severity: SEVERITY[kind],
      container: { ...container },
      message,
      first_seen: at,
      last_seen: at,
      count: 1,
      evidence: { ...evidence },
      state: 'open',
    };
    this.open.set(key, issue);
    this.changed(issue);
    return issue;
  }

  resolve(kind: IssueKind, containerName: string, at: string, reason: string): void {
    const key = IssueBook.key(kind, containerName);
    const issue = this.open.get(key);
    if (!issue) return;
    this.open.delete(key);
    issue.state = 'resolved';
    issue.resolved_at = at;
    issue.resolution = reason;
    this.resolved.push(issue);
    if (this.resolved.length > this.historyLimit)
      this.resolved.splice(0, this.resolved.length - this.historyLimit);
    this.changed(issue);
  }

  /** Open issues first (newest first), then resolved ones when `all`. */
  list(state: 'open' | 'all'): Issue[] {
    const open = [...this.open.values()].sort((a, b) => (a.last_seen < b.last_seen ? 1 : -1));
    if (state === 'open') return open;
    return open.concat([...this.resolved].reverse());
  }

  openCount(): number {
    return this.open.size;
  }

  /** Restores persisted issues (latest version of each id wins), without change callbacks. */
  restore(issues: Iterable<Issue>): void {
    for (const issue of issues) {
      const number = Number(issue.id.slice(1));
      if (Number.isFinite(number) && number >= this.nextId) this.nextId = number + 1;
      if (issue.state === 'open') this.open.set(IssueBook.key(issue.kind, issue.container.name), issue);
      else this.resolved.push(issue);
    }
    if (this.resolved.length > this.historyLimit)
      this.resolved.splice(0, this.resolved.length - this.historyLimit);
    this.version += 1;
  }
}
