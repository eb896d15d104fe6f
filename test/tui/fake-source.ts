/** A scriptable DataSource for component tests: canned data, injectable failures, call counts. */

import type { DeploymentView } from '../../src/status/types.js';
import type { DataSource, DetailView } from '../../src/tui/data.js';

export const NOW = Date.parse('2026-03-01T12:00:00Z');

export function view(id: string, overrides: Partial<DeploymentView> = {}): DeploymentView {
  return {
    id,
    app: `app-${id.slice(0, 3)}`,
    env: 'prod',
    template: 'llm-api',
    region: 'us-east',
    type: 'g6-standard-2',
    linodeId: 1000 + id.charCodeAt(0),
    label: `app-${id}`,
    instanceStatus: 'running',
    recordStatus: 'active',
    health: 'healthy',
    url: `http://192.0.2.1:8000`,
    ipv4: '192.0.2.1',
    createdAt: new Date(NOW - 3 * 3600_000).toISOString(),
    hourlyPrice: 0.036,
    accruedCost: 0.108,
    openIssues: [],
    source: 'both',
    ...overrides,
  };
}

export class FakeSource implements DataSource {
  deployments: DeploymentView[];
  listError: Error | undefined;
  detailOf: (id: string) => DetailView;
  logLines: string[] = ['line one', 'line two'];
  logsError: Error | undefined;
  destroyed: string[] = [];
  destroyError: Error | undefined;
  calls = { list: 0, detail: 0, logs: 0 };
  /** When set, list() waits for this before answering (tests slow APIs). */
  gate: Promise<void> | undefined;

  constructor(deployments: DeploymentView[]) {
    this.deployments = deployments;
    this.detailOf = (id) => ({ deployment: this.find(id), watcher: { state: 'disabled' } });
  }

  /** Holds list() answers until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise((resolve) => {
      release = () => {
        this.gate = undefined;
        resolve();
      };
    });
    return release;
  }

  private find(id: string): DeploymentView {
    const found = this.deployments.find((d) => d.id === id);
    if (!found) throw new Error(`no ${id}`);
    return found;
  }

  async list(): Promise<DeploymentView[]> {
    this.calls.list++;
    if (this.gate) await this.gate;
    if (this.listError) throw this.listError;
    return [...this.deployments];
  }

  async detail(id: string): Promise<DetailView> {
    this.calls.detail++;
    return this.detailOf(id);
  }

  async destroy(id: string, onProgress: (message: string) => void): Promise<void> {
    onProgress(`deleting instance of ${id}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (this.destroyError) throw this.destroyError;
    onProgress('deleting firewall');
    this.destroyed.push(id);
    this.deployments = this.deployments.filter((d) => d.id !== id);
  }

  async logs(_id: string, lines: number): Promise<string[]> {
    this.calls.logs++;
    if (this.logsError) throw this.logsError;
    return this.logLines.slice(-lines);
  }
}
