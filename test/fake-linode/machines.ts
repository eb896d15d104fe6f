/**
 * Simulated machines behind the fake Linode API, for `npm run sandbox`: each instance the fake
 * creates gets, on its own loopback address (the fake hands out 127.B.x.y), what a real one
 * would serve once cloud-init ran its user-data:
 *
 * - the watcher (BuildWatch's read API, the stand-in from test/support) on the port and with the
 *   token the user-data gives it, reporting the boot steps of the user-data's own step manifest
 *   as they "run", one every `stepMs` once the instance is running;
 * - the app on its published port, listening only once the app's start step is done (so the
 *   CLI sees a refused connection while it "installs", as on a real boot), answering every
 *   path 200, and logging each request as the app's log lines (`linode-build logs`).
 *
 * The machines are also the NodeBalancer's backends: a node on an instance is UP when that
 * machine's app is listening on the node's port and answers the health check path with 2xx or
 * 3xx (`setAppStatus` makes it answer otherwise, to play a replica that went bad), and the
 * NodeBalancer's address passes connections to the UP machines (nodebalancer-traffic.ts).
 *
 * Nothing is read from or written to disk; servers are closed when their instance goes away.
 * Known limits: no SSH (in-place updates need a real instance), and a published port below
 * 1024 needs root on Linux (the error says so).
 */
import http from 'node:http';
import { parse } from 'yaml';
import { startWatcherStandin, type WatcherStandin } from '../support/watcher-standin.js';
import type { FakeLinode } from './server.js';

export interface MachineOptions {
  /** How long each boot step "runs" (default 400 ms). */
  readonly stepMs?: number;
  /** How often the fake's instances are looked at (default 50 ms). */
  readonly pollMs?: number;
  /** Told what happens (a machine started, an address that cannot be served). */
  readonly log?: (line: string) => void;
}

interface StepSpec {
  readonly id: string;
  readonly capability: string;
  readonly name: string;
  readonly description: string;
}

/** What a machine serves, read from its user-data as cloud-init would write it. */
export interface MachineSpec {
  readonly steps: readonly StepSpec[];
  readonly watcher?: { readonly port: number; readonly token: string };
  readonly app?: { readonly port: number; readonly image: string };
}

interface Machine {
  readonly address: string;
  readonly spec: MachineSpec;
  runningSince?: number;
  watcher?: WatcherStandin;
  app?: http.Server;
  appStarting?: boolean;
  /** What the app answers every request with (200 unless a test says otherwise). */
  appStatus: number;
  readonly logs: { stream: string; time: string; text: string }[];
}

function files(userData: string): Map<string, string> {
  const document = parse(userData) as { write_files?: { path?: unknown; content?: unknown }[] } | null;
  const found = new Map<string, string>();
  for (const file of document?.write_files ?? []) {
    if (typeof file.path === 'string' && typeof file.content === 'string') found.set(file.path, file.content);
  }
  return found;
}

/** Reads the boot steps, watcher and app from a user-data document (pure). */
export function machineSpec(userData: string): MachineSpec {
  const written = files(userData);
  const steps = (written.get('/usr/local/lib/linode-build/steps/manifest.tsv') ?? '')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', capability = '', name = '', , description = ''] = line.split('\t');
      return { id, capability, name, description };
    });
  const unit = written.get('/etc/systemd/system/buildwatch.service') ?? '';
  const listen = /"--listen" "[^"]*:(\d+)"/.exec(unit)?.[1];
  const token = written.get('/etc/buildwatch/token')?.trim();
  const conf = written.get('/etc/linode-build/app.conf') ?? '';
  const published = /(?:^|[\s(])-p (?:[\d.]+:)?(\d+):\d+/m.exec(conf)?.[1];
  const image = /^IMAGE=(.*)$/m.exec(conf)?.[1]?.replace(/^'(.*)'$/, '$1') ?? 'the app';
  return {
    steps,
    ...(listen && token ? { watcher: { port: Number(listen), token } } : {}),
    ...(published ? { app: { port: Number(published), image } } : {}),
  };
}

function why(error: NodeJS.ErrnoException, address: string, port: number): string {
  if (error.code === 'EACCES') {
    return `cannot listen on ${address}:${port}: ports below 1024 need root. Set external_port to 8080 in deploy.yml, then deploy again.`;
  }
  if (error.code === 'EADDRNOTAVAIL') {
    return `cannot listen on ${address}:${port}: this system has no such loopback address (Linux has all of 127.0.0.0/8; macOS needs 'sudo ifconfig lo0 alias ${address}').`;
  }
  return `cannot listen on ${address}:${port}: ${error.message}`;
}

export function startMachines(fake: FakeLinode, options: MachineOptions = {}) {
  const stepMs = options.stepMs ?? 400;
  const log = options.log ?? (() => {});
  const machines = new Map<number, Machine>();
  const complaints = new Set<string>();
  const complain = (line: string) => {
    if (!complaints.has(line)) log(line);
    complaints.add(line);
  };

  const startApp = (machine: Machine) => {
    const app = machine.spec.app;
    if (!app || machine.app || machine.appStarting) return;
    machine.appStarting = true;
    const server = http.createServer((request, response) => {
      machine.logs.push({
        stream: 'stdout',
        time: new Date().toISOString(),
        text: `${request.method} ${request.url} ${machine.appStatus} (from ${request.socket.remoteAddress})`,
      });
      response.writeHead(machine.appStatus, { 'Content-Type': 'text/plain' });
      response.end(
        machine.appStatus < 400 ? `ok: ${app.image} in the linode-build sandbox\n` : 'unhealthy\n',
      );
    });
    server.once('error', (error: NodeJS.ErrnoException) => {
      machine.appStarting = false;
      complain(why(error, machine.address, app.port));
    });
    server.listen(app.port, machine.address, () => {
      machine.app = server;
      machine.logs.push({
        stream: 'stdout',
        time: new Date().toISOString(),
        text: `${app.image} listening on ${machine.address}:${app.port}`,
      });
    });
  };

  /** The boot as the watcher reports it, from how long the instance has been running. */
  const boot = (machine: Machine) => {
    const { steps } = machine.spec;
    if (machine.runningSince === undefined) {
      return { cloud_init: { status: 'not-started', errors: [] }, state: 'unknown', steps: [] };
    }
    const elapsed = Date.now() - machine.runningSince;
    const started = new Date(machine.runningSince).toISOString();
    const reported = steps.map((step, index) => {
      const begin = machine.runningSince! + index * stepMs;
      const state =
        elapsed >= (index + 1) * stepMs ? 'ok' : elapsed >= index * stepMs ? 'running' : 'pending';
      return {
        ...step,
        state,
        ...(state !== 'pending' ? { started_at: new Date(begin).toISOString() } : {}),
        ...(state === 'ok' ? { finished_at: new Date(begin + stepMs).toISOString(), exit_code: 0 } : {}),
      };
    });
    const done = reported.every((step) => step.state === 'ok');
    const current = reported.find((step) => step.state === 'running');
    return {
      cloud_init: { status: done ? 'done' : 'running', stage: 'modules:final', errors: [] },
      state: done ? 'done' : 'running',
      started_at: started,
      ...(current ? { current_step: current.id } : {}),
      steps: reported,
    };
  };

  const appStarted = (machine: Machine) => {
    const index = machine.spec.steps.findIndex((step) => step.capability === 'app' && step.name === 'start');
    const needed = (index >= 0 ? index + 1 : machine.spec.steps.length) * stepMs;
    return machine.runningSince !== undefined && Date.now() - machine.runningSince >= needed;
  };

  const create = async (id: number, address: string, spec: MachineSpec): Promise<Machine> => {
    const machine: Machine = { address, spec, logs: [], appStatus: 200 };
    if (spec.watcher) {
      try {
        machine.watcher = await startWatcherStandin(spec.watcher.token, {
          host: address,
          port: spec.watcher.port,
          logLines: () => machine.logs.slice(-500),
        });
      } catch (error) {
        complain(why(error as NodeJS.ErrnoException, address, spec.watcher.port));
      }
    }
    log(
      `Linode ${id}: a simulated machine on ${address}${spec.app ? `, the app on port ${spec.app.port}` : ''}`,
    );
    return machine;
  };

  const close = async (machine: Machine) => {
    await machine.watcher?.close();
    if (machine.app) {
      machine.app.closeAllConnections();
      await new Promise<void>((resolve) => machine.app!.close(() => resolve()));
    }
  };

  const pending = new Set<number>();
  let stopped = false;
  const tick = async () => {
    for (const problem of fake.nodeBalancers.trafficProblems()) complain(problem);
    const live = new Map(fake.listInstances().map((linode) => [linode.id, linode]));
    for (const [id, machine] of machines) {
      const linode = live.get(id);
      if (!linode || linode.status === 'deleting' || linode.ipv4[0] !== machine.address) {
        machines.delete(id);
        await close(machine);
      }
    }
    for (const [id, linode] of live) {
      const address = linode.ipv4[0];
      const userData = fake.userDataOf(id);
      if (!address || userData === undefined || linode.status === 'deleting') continue;
      if (!machines.has(id) && !pending.has(id)) {
        pending.add(id);
        try {
          machines.set(id, await create(id, address, machineSpec(userData)));
        } finally {
          pending.delete(id);
        }
      }
      const machine = machines.get(id);
      if (!machine) continue;
      if (linode.status === 'running' && machine.runningSince === undefined)
        machine.runningSince = Date.now();
      machine.watcher?.setBoot(boot(machine) as Parameters<WatcherStandin['setBoot']>[0]);
      if (appStarted(machine)) startApp(machine);
    }
  };

  // NodeBalancers pass connections to the machines' apps, and their health check reaches them
  // (on the port the node names).
  fake.nodeBalancers
    .serveTraffic(true)
    .catch((error: unknown) => log(`sandbox: ${(error as Error).message}`));
  fake.nodeBalancers.setBackendHealth((instance, port) => {
    const machine = machines.get(instance.id);
    return (
      machine?.app !== undefined &&
      machine.spec.app?.port === port &&
      machine.appStatus >= 200 &&
      machine.appStatus < 400
    );
  });

  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (stopped) return;
    tick()
      .catch((error: unknown) => log(`sandbox: ${(error as Error).message}`))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, options.pollMs ?? 50);
      });
  };
  loop();

  return {
    /** How many machines are being simulated. */
    count: () => machines.size,
    /** The app on this instance answers every request with `status` (e.g. 503: unhealthy). */
    setAppStatus(instanceId: number, status: number) {
      const machine = machines.get(instanceId);
      if (!machine) throw new Error(`no simulated machine for Linode ${instanceId}`);
      machine.appStatus = status;
    },
    async close() {
      stopped = true;
      fake.nodeBalancers.setBackendHealth(undefined);
      await fake.nodeBalancers.serveTraffic(false);
      if (timer) clearTimeout(timer);
      await Promise.all([...machines.values()].map(close));
      machines.clear();
    },
  };
}

export type Machines = ReturnType<typeof startMachines>;
