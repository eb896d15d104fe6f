// Time to roll an app change (an env value) across 5 replicas behind a NodeBalancer, against
// one in-place update of a single instance measured in the same run: the roll is one replica
// at a time (drain → update in place over SSH → NodeBalancer check UP → accept), so the target
// is ≈ replicas × one in-place update, and no boot. Also the time `deploy` takes to create the
// 5 replicas and register them. (The API requests `status` makes for replicas are counted by
// bench/status-replicas.mjs, part of bench/run.mjs.)
//
// The fake Linode API plays the machines and the NodeBalancer; a real sshd on loopback plays
// every replica's SSH (one private root for all, as test/e2e/replicas-roll.test.ts does), so
// each update runs the real update program there. Drain time is 0 (LINODE_BUILD_DRAIN_SECONDS;
// a user's roll waits 30 s per replica on top, for connections to finish).
//
// Run: npm run build && node bench/replicas.mjs [--replicas 5] [--boot-ms 2000]
// Needs root and Debian's openssh-server (as the tests do); otherwise it says so and exits 0.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { median } from './fake-api.mjs';
import { numberOption, startSshLab } from './ssh-lab.mjs';

const replicas = numberOption('--replicas', 5);
const bootMs = numberOption('--boot-ms', 2000);

const lab = await startSshLab(
  'replicas',
  { provisionMs: bootMs / 2, bootMs: bootMs / 2, deleteMs: 100 },
  { LINODE_BUILD_POLL_MS: '40', LINODE_BUILD_RETRY_BASE_MS: '10', LINODE_BUILD_DRAIN_SECONDS: '0' },
);
const { fake, home, instance, port } = lab;
const project = (name, count) => {
  const directory = path.join(home, name);
  mkdirSync(directory);
  let yml = lab.appTemplateYml({ name: 'bench-app', image: 'registry.example.com/app:good', port });
  if (count > 1)
    yml = yml.replace('    region_default: us-ord\n', `    region_default: us-ord\n    replicas: ${count}\n`);
  writeFileSync(path.join(directory, 'deploy.yml'), yml);
  return directory;
};
const setGreeting = (directory, greeting) =>
  writeFileSync(path.join(directory, '.env'), `GREETING='${greeting}'\n`, { mode: 0o600 });
const deploy = (cwd, expected) => lab.deploy(cwd, [], expected);
const restarts = () =>
  instance.systemctlCalls().filter((call) => call === 'restart linode-build-app.service').length;
const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

try {
  // One instance: created, booted (its user data applied to the root), then two env changes.
  const single = project('single', 1);
  setGreeting(single, 'hello');
  const one = await deploy(single);
  instance.boot(fake.userDataOf(one.result.linodeId));
  instance.startApp();
  const inPlace = [];
  for (const greeting of ['bonjour', 'hallo']) {
    setGreeting(single, greeting);
    inPlace.push((await deploy(single, 'updated')).ms);
  }

  // N replicas: the same app; the root now plays each of them.
  const replicated = project('replicated', replicas);
  setGreeting(replicated, 'hello');
  const created = await deploy(replicated);
  const ids = fake.listInstances().filter((linode) => linode.tags.includes(`build-id:${created.result.id}`));
  if (ids.length !== replicas) throw new Error(`expected ${replicas} replicas, found ${ids.length}`);
  instance.boot(fake.userDataOf(ids[0].id));
  instance.startApp();
  setGreeting(replicated, 'rolled');
  const before = restarts();
  const roll = await deploy(replicated, 'updated');
  if (restarts() - before !== replicas)
    throw new Error(`expected ${replicas} restarts in the roll, saw ${restarts() - before}`);
  if (fake.listInstances().length !== replicas + 1) throw new Error('the roll created or deleted instances');

  const update = median(inPlace);
  console.log(`fake instance boot: ${seconds(bootMs)} (never waited for by an update or a roll)`);
  console.log(`deploy of ${replicas} replicas behind a NodeBalancer: ${seconds(created.ms)}`);
  console.log(
    `one in-place update (single instance, env change; median of ${inPlace.length}): ${seconds(update)}`,
  );
  console.log(`roll of the same change across ${replicas} replicas: ${seconds(roll.ms)}`);
  console.log(
    `roll / one update: ${(roll.ms / update).toFixed(2)}x (target ≈ ${replicas}x; roll / (${replicas} × update) = ${(roll.ms / (replicas * update)).toFixed(2)})`,
  );
  // A roll that waited for a boot per replica would exceed replicas × (update + boot).
  if (roll.ms >= replicas * (update + bootMs)) process.exitCode = 1;
} finally {
  await lab.close();
}
