/**
 * The deployment lifecycle end to end: the built CLI as a child process, in a temp HOME, against
 * the fake Linode API over HTTP. init → deploy --wait → status → destroy (twice), refusals that
 * must create nothing, a failing health check, and no secret in any output or file.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesContaining, type Lab, labToken, startLab } from '../fake-linode/harness.js';

const canary = 'hf_CANARY_9c1f3e7d5b_do-not-print';
let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab.close());

/** The project's one deployment in .linode/state.json (which records one per env). */
function projectEntry(project: string): {
  deploymentId: string;
  destroyedAt?: string;
  [key: string]: unknown;
} {
  const state = JSON.parse(readFileSync(path.join(project, '.linode/state.json'), 'utf8'));
  const entries = Object.values(state.envs) as { deploymentId: string }[];
  if (entries.length !== 1) throw new Error(`expected one env in ${project}, got ${entries.length}`);
  return entries[0]!;
}

function registry(): { deployments: { id: string; status: string; watcherPort?: number }[] } {
  return JSON.parse(readFileSync(path.join(lab.home, '.local/state/linode-build/registry.json'), 'utf8'));
}

describe('deploy → status → destroy', () => {
  it('runs the whole lifecycle and leaves nothing behind', async () => {
    const project = await lab.project('llm', 'llm-api', `HF_TOKEN=${canary}\n`);

    const deploy = await lab.run(['deploy', '--wait', '--yes', '--env', 'prod'], { cwd: project });
    expect(deploy.stderr).not.toMatch(/Error/);
    expect(deploy.code).toBe(0);
    const id = /Deployed .* as ([0-9a-z]{8})/.exec(deploy.stdout)?.[1];
    expect(id).toBeDefined();
    expect(deploy.stdout).toContain('linode-build ssh ');
    // Status changes are printed with elapsed time (a loaded machine may miss the short provisioning phase).
    expect(deploy.stderr).toMatch(/\[\d+s\] Instance is (provisioning|booting|running)/);
    expect(deploy.stderr).toMatch(/Instance is running/);
    expect(deploy.stderr).toMatch(/Healthy \(HTTP 200\)/);
    expect(lab.app.hits.length).toBeGreaterThan(0);

    // What the API received: one firewall, one instance wired to it, with our tags.
    const instances = lab.fake.listInstances();
    expect(instances).toHaveLength(1);
    const instance = instances[0]!;
    expect(instance.tags).toEqual(
      expect.arrayContaining([`build-id:${id}`, 'build-app:llm-api', 'build-env:prod']),
    );
    const firewalls = lab.fake.listFirewalls();
    expect(firewalls).toHaveLength(1);
    expect(firewalls[0]!.entities.map((e) => e.id)).toEqual([instance.id]);
    expect(lab.fake.userDataOf(instance.id)).toMatch(/^#cloud-config/);

    const record = registry().deployments.find((d) => d.id === id);
    expect(record?.status).toBe('active');
    const state = projectEntry(project);
    expect(state).toMatchObject({ deploymentId: id, linodeId: instance.id });
    const passwordFile = path.join(lab.home, `.local/state/linode-build/secrets/${id}/root-password`);
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);

    // In the project directory, status shows this deployment in detail.
    const detail = await lab.run(['status'], { cwd: project });
    expect(detail.code).toBe(0);
    expect(detail.stdout).toContain(`Deployment ${id}`);
    expect(detail.stdout).toMatch(/Health:\s+healthy/);
    expect(detail.stdout).toMatch(/Cost:\s+\$0\.5200\/hour/);
    expect(detail.stdout).toContain(`Connect:   linode-build ssh ${id}`);

    const json = await lab.run(['status', '--all', '--json']);
    const views = JSON.parse(json.stdout) as { id: string; instanceStatus: string; source: string }[];
    expect(views).toEqual([expect.objectContaining({ id, instanceStatus: 'running', source: 'both' })]);

    const table = await lab.run(['status', '--all']);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^ID\s+APP\s+ENV\s+REGION\s+TYPE\s+STATUS\s+HEALTH\s+URL\s+AGE\s+\$\/HOUR\s+COST$/,
    );
    expect(table.stderr).toContain('even powered off');

    const destroy = await lab.run(['destroy', '--yes'], { cwd: project });
    expect(destroy.code).toBe(0);
    expect(destroy.stdout).toContain(`Destroyed ${id} (1 instance(s), 1 firewall(s))`);
    expect(destroy.stderr).toMatch(/is gone/);
    expect(lab.fake.listInstances()).toHaveLength(0);
    expect(lab.fake.listFirewalls()).toHaveLength(0);
    expect(registry().deployments).toHaveLength(0);
    expect(projectEntry(project).destroyedAt).toBeTruthy();
    expect(() => statSync(passwordFile)).toThrow();

    const again = await lab.run(['destroy', '--yes'], { cwd: project });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to destroy');
    // The registry remembers what it destroyed: by id (or prefix) that is still "nothing to do", exit 0.
    const byId = await lab.run(['destroy', id!, '--yes']);
    expect(byId.code, byId.stderr).toBe(0);
    expect(byId.stdout).toMatch(new RegExp(`^Nothing to destroy for ${id}: destroyed at \\d{4}-`));
    const byPrefix = await lab.run(['destroy', id!.slice(0, 5), '--yes']);
    expect(byPrefix.code, byPrefix.stderr).toBe(0);

    // Neither the .env canary nor the token appears in any output or any file we wrote.
    for (const text of lab.transcript) {
      expect(text).not.toContain(canary);
      expect(text).not.toContain(labToken);
    }
    const allowed = (file: string) => file === path.join(project, '.env');
    expect(filesContaining(lab.home, canary, allowed)).toEqual([]);
    expect(filesContaining(lab.home, labToken, () => false)).toEqual([]);
  });

  it('destroy of an id that matches nothing is an error naming the candidates, unless --ignore-not-found', async () => {
    const project = await lab.project('typo', 'embeddings-python');
    const deploy = await lab.run(['deploy', '--yes', '--env', 'typo'], { cwd: project });
    expect(deploy.code, deploy.stderr).toBe(0);
    const id = projectEntry(project).deploymentId as string;
    const instances = lab.fake.listInstances().length;

    const typo = await lab.run(['destroy', 'zzzzzzzz', '--yes']);
    expect(typo.code).toBe(1);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toMatch(/^Error: no deployment matches 'zzzzzzzz'\.\nHint: Deployments: .*\n$/);
    expect(typo.stderr).toContain(`${id} (embeddings-python, typo)`);
    expect(typo.stderr).toContain('--ignore-not-found');
    const byApp = await lab.run(['destroy', '--app', 'embedings-python', '--yes']);
    expect(byApp.code).toBe(1);
    expect(byApp.stderr).toMatch(/^Error: no deployment matches app embedings-python\.$/m);

    const ignored = await lab.run(['destroy', 'zzzzzzzz', '--yes', '--ignore-not-found']);
    expect(ignored.code, ignored.stderr).toBe(0);
    expect(ignored.stdout).toBe(
      'Nothing to destroy for zzzzzzzz: no such deployment in the registry or on Linode.\n',
    );
    const json = await lab.run(['destroy', 'zzzzzzzz', '--yes', '--ignore-not-found', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      id: null,
      destroyed: false,
      reason: 'no such deployment in the registry or on Linode',
    });
    expect(lab.fake.listInstances()).toHaveLength(instances);
    expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
  });

  it('refuses before creating anything when the deploy cannot work', async () => {
    const project = await lab.project('refusals', 'embeddings-python');
    const gated = await lab.project('gated', 'llm-api', 'HF_TOKEN=x\n');
    lab.fake.clearLog();
    const instancesBefore = lab.fake.listInstances().length;
    // A region or image that exists but cannot work is a failure (1); an id the API does not
    // know is a usage error (2), as in init.
    const cases: [string[], RegExp, number][] = [
      [['--region', 'eu-west'], /region eu-west does not support cloud-init metadata/, 1],
      [['--image', 'linode/centos7'], /does not support cloud-init/, 1],
      [
        ['--type', 'g6-standrd-2'],
        /unknown Linode type 'g6-standrd-2' \(did you mean 'g6-standard-2'\?\)/,
        2,
      ],
      [['--region', 'mars-1'], /unknown region 'mars-1'/, 2],
    ];
    for (const [flags, message, code] of cases) {
      const result = await lab.run(['deploy', '--yes', ...flags], { cwd: project });
      expect(result.code, result.stderr).toBe(code);
      expect(result.stderr).toMatch(message);
    }
    // On a GPU template a mistyped --type is reported as unknown, blaming the flag, not as
    // "has no GPU (deploy.linode.type_default)"; a real non-GPU --type blames the flag too.
    // An unknown flag value is a usage error (exit 2); a real plan without a GPU is a failure (1).
    const gpuCases: [string[], string, number][] = [
      [
        ['--type', 'g6-standrad-2'],
        "Error: --type: unknown Linode type 'g6-standrad-2' (did you mean 'g6-standard-2'?).\nHint: Check --type;",
        2,
      ],
      [
        ['--region', 'us-ordd'],
        "Error: --region: unknown region 'us-ordd' (did you mean 'us-ord'?).\nHint: Check --region;",
        2,
      ],
      [
        ['--type', 'g6-standard-2'],
        "Error: --type 'g6-standard-2' has no GPU, but the template needs one (gpu-nvidia).\nHint: Pass --type with a GPU plan",
        1,
      ],
    ];
    for (const [flags, message, code] of gpuCases) {
      const result = await lab.run(['deploy', '--yes', ...flags], { cwd: gated });
      expect(result.code, result.stderr).toBe(code);
      expect(result.stderr.startsWith(message), result.stderr).toBe(true);
    }
    const planned = await lab.run(['plan', '--type', 'g6-standard-2'], { cwd: gated });
    expect(planned.code).toBe(1);
    expect(planned.stderr).toContain("--type 'g6-standard-2' has no GPU, but the template needs one");
    const noEnv = await lab.run(['deploy', '--yes', '--env-file', '/dev/null'], { cwd: gated });
    expect(noEnv.stderr).toMatch(/missing required environment variable: HF_TOKEN/);
    const noYes = await lab.run(['deploy'], { cwd: project });
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/Pass --yes/);
    // --dry-run is the plan: it talks to no API and creates nothing.
    const requestsBefore = lab.fake.requests.length;
    const dryRun = await lab.run(['deploy', '--dry-run', '--region', 'us-sea'], { cwd: project });
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain('us-sea');
    expect(lab.fake.requests).toHaveLength(requestsBefore);
    const noToken = await lab.run(['deploy', '--yes'], { cwd: project, env: { LINODE_TOKEN: '' } });
    expect(noToken.stderr).toMatch(/no Linode API token: LINODE_TOKEN and LINODE_CLI_TOKEN/);
    expect(lab.fake.countRequests({ method: 'POST' })).toBe(0);
    expect(lab.fake.listInstances()).toHaveLength(instancesBefore);
  });

  it('reports a failing health check, exits 1, and leaves the instance for inspection', async () => {
    const project = await lab.project('sick', 'chat-agent');
    const deployFile = path.join(project, 'deploy.yml');
    const yaml = readFileSync(deployFile, 'utf8');
    writeFileSync(
      deployFile,
      yaml
        .replace(/initial_delay_seconds: \d+/, 'initial_delay_seconds: 0')
        .replace(/max_retries: \d+/, 'max_retries: 2'),
    );
    lab.app.setStatus(503);
    const instancesBefore = lab.fake.listInstances().length;
    try {
      const result = await lab.run(['deploy', '--wait', '--yes'], { cwd: project });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /Error: the app at http:\/\/127\.0\.0\.1:\d+\/api\/tags answered but is unhealthy: HTTP 503/,
      );
      expect(result.stderr).toMatch(/linode-build destroy [0-9a-z]{8}/);
      // The hint names the tool's own commands (host-key pinning, the watcher), never ssh root@IP.
      const hint = /^Hint: (.*)$/m.exec(result.stderr)?.[1] ?? '';
      expect(hint).toMatch(/'linode-build logs ([0-9a-z]{8}) --boot'/);
      expect(hint).toMatch(/'linode-build ssh [0-9a-z]{8} -- tail -n 50 \/var\/log\/cloud-init-output\.log'/);
      expect(result.stderr).not.toContain('ssh root@');
      expect(result.stderr).toContain('Last observations:');
      expect(lab.fake.listInstances()).toHaveLength(instancesBefore + 1);
    } finally {
      lab.app.setStatus(200);
    }
    const id = projectEntry(project).deploymentId;
    // chat-agent runs the watcher: its port is recorded and its token kept 0600 for `logs`/`tui`.
    expect(registry().deployments.find((d) => d.id === id)).toMatchObject({
      watcherPort: expect.any(Number),
    });
    const tokenFile = path.join(lab.home, `.local/state/linode-build/secrets/${id}/watcher-token`);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const destroy = await lab.run(['destroy', id, '--yes']);
    expect(destroy.code, destroy.stderr).toBe(0);
  });

  it('stops waiting when the watcher reports a failed boot step, showing its output', async () => {
    const project = await lab.project('broken-boot', 'chat-agent');
    lab.app.setStatus(503);
    lab.app.setWatcherStatus({
      watcher: {},
      boot: {
        cloud_init: { status: 'running', errors: [] },
        state: 'failed',
        steps: [
          {
            id: '01-docker-packages',
            capability: 'docker',
            name: 'packages',
            description: 'Install docker.io',
            state: 'ok',
          },
          {
            id: '02-docker-start-daemon',
            capability: 'docker',
            name: 'start-daemon',
            description: 'Enable and start Docker',
            state: 'failed',
            exit_code: 3,
            output_tail: 'Job for docker.service failed\nsee journalctl -xeu docker.service',
          },
        ],
      },
      containers: [],
      open_issues: 0,
    });
    try {
      const result = await lab.run(['deploy', '--wait', '--yes'], {
        cwd: project,
        env: { LINODE_BUILD_WATCHER_URL: `http://${lab.app.address}` },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Boot: docker: Install docker\.io: ok/);
      expect(result.stderr).toMatch(
        /Error: boot step docker: Enable and start Docker failed with exit code 3\./,
      );
      expect(result.stderr).toContain('  Job for docker.service failed');
      expect(lab.app.hits).toContain('/status');
    } finally {
      lab.app.setStatus(200);
      lab.app.setWatcherStatus(undefined);
    }
    const id = projectEntry(project).deploymentId;
    expect((await lab.run(['destroy', id, '--yes'])).code).toBe(0);
  });
});
