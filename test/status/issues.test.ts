import { describe, expect, it } from 'vitest';
import type { DeploymentRecord } from '../../src/state/types.js';
import { issueLines, withOpenIssues } from '../../src/status/issues.js';
import type { DeploymentView, WatcherIssueSummary } from '../../src/status/types.js';

function view(id: string, instanceStatus = 'running'): DeploymentView {
  return {
    id,
    app: 'chat',
    env: 'prod',
    template: 'chat-agent',
    region: 'us-ord',
    type: 'g6-standard-2',
    instanceStatus,
    recordStatus: 'active',
    health: 'unknown',
    source: 'both',
  };
}

function record(id: string, watcherPort?: number): DeploymentRecord {
  return {
    id,
    app: 'chat',
    env: 'prod',
    template: 'chat-agent',
    templateVersion: '1.0.0',
    status: 'active',
    region: 'us-ord',
    type: 'g6-standard-2',
    image: 'linode/ubuntu24.04',
    label: id,
    ...(watcherPort ? { watcherPort } : {}),
    createdAt: '2026-11-23T10:00:00Z',
    updatedAt: '2026-11-23T10:00:00Z',
  };
}

const oom: WatcherIssueSummary = {
  kind: 'oom_killed',
  severity: 'critical',
  container: 'app',
  message: 'the container was killed for using too much memory',
  firstSeen: '2026-11-23T10:01:00Z',
  lastSeen: '2026-11-23T10:05:00Z',
  count: 2,
};

describe('open watcher issues in status', () => {
  it('asks only running deployments that run the watcher, and keeps unknown as unknown', async () => {
    const asked: string[] = [];
    const views = await withOpenIssues(
      [view('watched'), view('nowatch'), view('stopped', 'offline'), view('silent')],
      [record('watched', 9090), record('nowatch'), record('stopped', 9090), record('silent', 9090)],
      async (r) => {
        asked.push(r.id);
        if (r.id === 'silent') throw new Error('timeout');
        return [oom];
      },
    );
    expect(asked.sort()).toEqual(['silent', 'watched']);
    expect(views.map((v) => v.openIssues?.length)).toEqual([1, undefined, undefined, undefined]);
  });

  it('prints each open issue, "none open", or why they are unknown', () => {
    expect(issueLines({ ...view('a'), openIssues: [oom] }, true)).toEqual([
      '  Issues:    1 open',
      '    [critical] oom_killed in app: the container was killed for using too much memory (×2, last 2026-11-23T10:05:00Z)',
    ]);
    expect(issueLines({ ...view('a'), openIssues: [] }, true)).toEqual(['  Issues:    none open']);
    expect(issueLines(view('a'), true)[0]).toContain('unknown (the watcher did not answer');
    expect(issueLines(view('a', 'booting'), true)[0]).toContain('unknown until the instance is running');
    expect(issueLines(view('a'), false)).toEqual([]);
  });
});
