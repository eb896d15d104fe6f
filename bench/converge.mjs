// Time from `deploy` of a change to a healthy app: in place (an env value: files over SSH,
// restart, health check on the instance) against replace (a capability: new instance, boot,
// address move, reboot, old deleted), both against the same fake Linode API whose instances
// take --provision-ms + --boot-ms to come up, and a real sshd on loopback playing the
// instance's SSH (test/support/sshd.ts, instance-root.ts). In place must not wait for a boot.
//
// Run: npm run build && node bench/converge.mjs [--provision-ms 3000] [--boot-ms 4000]
// Needs root and Debian's openssh-server (as the tests do); otherwise it says so and exits 0.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { numberOption, startSshLab } from './ssh-lab.mjs';

const provisionMs = numberOption('--provision-ms', 3000);
const bootMs = numberOption('--boot-ms', 4000);

const lab = await startSshLab(
  'converge',
  { provisionMs, bootMs, deleteMs: 200 },
  { LINODE_BUILD_POLL_MS: '100' },
);
const { fake, instance, port } = lab;
const yml = (port, features) => lab.appTemplateYml({ name: 'bench-app', port, features });
const project = path.join(lab.home, 'project');
mkdirSync(project);
const deploy = (...extra) => lab.deploy(project, extra);

try {
  writeFileSync(path.join(project, 'deploy.yml'), yml(port, ''));
  writeFileSync(path.join(project, '.env'), "GREETING='hello'\n", { mode: 0o600 });
  const created = await deploy('--wait');
  instance.boot(fake.userDataOf(created.result.linodeId));
  instance.startApp();

  writeFileSync(path.join(project, '.env'), "GREETING='bonjour'\n", { mode: 0o600 });
  const inPlace = await lab.deploy(project, [], 'updated');

  writeFileSync(path.join(project, 'deploy.yml'), yml(port, 'redis'));
  const replaced = await lab.deploy(project, ['--replace'], 'replaced');

  const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
  console.log(
    `fake instance boot: ${seconds(provisionMs + bootMs)} (provisioning ${provisionMs} ms + booting ${bootMs} ms)`,
  );
  console.log(`create with --wait:        ${seconds(created.ms)}`);
  console.log(`env change, in place:      ${seconds(inPlace.ms)}`);
  console.log(`capability, --replace:     ${seconds(replaced.ms)}`);
  console.log(`in place / replace:        ${(inPlace.ms / replaced.ms).toFixed(2)}x`);
  console.log(
    `in place / one fake boot:  ${(inPlace.ms / (provisionMs + bootMs)).toFixed(2)}x (below 1: no boot waited for)`,
  );
  if (inPlace.ms >= provisionMs + bootMs) process.exitCode = 1;
} finally {
  await lab.close();
}
