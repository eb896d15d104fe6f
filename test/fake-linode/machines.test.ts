/**
 * The simulated machines as NodeBalancer backends: a node is UP only once the machine's app
 * listens on the node's port and answers its health check, and DOWN when the app answers 5xx;
 * the NodeBalancer's address reaches the app while it is UP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type Machines, startMachines } from './machines.js';
import { type RawApi, rawApi } from './raw-api.js';
import { FakeLinode } from './server.js';

let fake: FakeLinode;
let machines: Machines;
let api: RawApi;
const appPort = 20_000 + Math.floor(Math.random() * 20_000);

/** The parts of a deploy's user-data a simulated machine reads: its steps and the app's port. */
function userData(): string {
  const manifest = [
    '10-docker\tdocker\tinstall\t-\tInstall Docker',
    '20-app\tapp\tstart\t-\tStart the app',
  ].join('\n');
  return `#cloud-config\n${stringify({
    write_files: [
      { path: '/usr/local/lib/linode-build/steps/manifest.tsv', content: `${manifest}\n` },
      { path: '/etc/linode-build/app.conf', content: `IMAGE=nginx\nRUN_ARGS=( -p ${appPort}:80 )\n` },
    ],
  })}`;
}

beforeAll(async () => {
  // A loopback block of its own: the machines' apps listen on 127.77.x.y.
  fake = await new FakeLinode({
    token: 't',
    provisionMs: 0,
    bootMs: 0,
    deleteMs: 0,
    loopbackBlock: 77,
  }).start();
  // Steps slow enough that the NodeBalancer exists before the app starts, even on a busy machine.
  machines = startMachines(fake, { stepMs: 1000, pollMs: 20 });
  api = rawApi(fake, 't');
});
afterAll(async () => {
  await machines.close();
  await fake.close();
});

describe('simulated machines behind a NodeBalancer', () => {
  it('are UP and served through the NodeBalancer once their app answers, DOWN when it answers 503', async () => {
    const created = await api('POST', '/linode/instances', {
      label: 'machine-backend',
      region: 'us-east',
      type: 'g6-nanode-1',
      image: 'linode/ubuntu24.04',
      root_pass: 'Xy7!kP2#mQ9$wR4%tZ8^vB3&',
      private_ip: true,
      metadata: { user_data: Buffer.from(userData()).toString('base64') },
    });
    expect(created.status).toBe(200);
    const [publicIp, privateIp] = created.json.ipv4 as string[];
    const nb = await api('POST', '/nodebalancers', {
      label: 'nb-machines',
      region: 'us-east',
      configs: [
        {
          port: appPort + 2,
          check: 'http',
          check_path: '/health',
          nodes: [
            { address: `${privateIp}:${appPort}`, label: 'rep-1' },
            { address: `${privateIp}:${appPort + 1}`, label: 'wrong-port' },
          ],
        },
      ],
    });
    expect(nb.status).toBe(200);
    const statuses = async () =>
      fake.nodeBalancers.configsOf(nb.json.id)[0]!.nodes.map((node) => node.status);
    expect(await statuses()).toEqual(['DOWN', 'DOWN']);
    await expect.poll(statuses, { timeout: 5000, interval: 25 }).toEqual(['UP', 'DOWN']);
    expect((await fetch(`http://${publicIp}:${appPort}/health`)).status).toBe(200);
    const throughBalancer = await fetch(`http://${nb.json.ipv4}:${appPort + 2}/`);
    expect(await throughBalancer.text()).toContain('ok: nginx');
    machines.setAppStatus(created.json.id, 503);
    expect(await statuses()).toEqual(['DOWN', 'DOWN']);
    expect((await fetch(`http://${publicIp}:${appPort}/health`)).status).toBe(503);
    expect((await fetch(`http://${nb.json.ipv4}:${appPort + 2}/`)).status).toBe(503);
    machines.setAppStatus(created.json.id, 200);
    expect(await statuses()).toEqual(['UP', 'DOWN']);
  });
});
