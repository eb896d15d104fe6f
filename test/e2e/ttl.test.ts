/**
 * One duration rule (10m to 365d; m, h, d, w) for `deploy --ttl`, `deploy --dry-run --ttl`,
 * `plan --ttl` and a template's `lifetime:`, through the built binary. No API is involved:
 * every refusal happens before anything would be created.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempHome } from '../support/cli.js';

function project(lifetime?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-ttl-'));
  const text = readFileSync(path.join(repoRoot, 'templates/embeddings-python/template.yml'), 'utf8');
  writeFileSync(
    path.join(dir, 'deploy.yml'),
    lifetime === undefined
      ? text
      : text.replace(/^version: .*$/m, (line) => `${line}\nlifetime: ${lifetime}`),
  );
  return dir;
}

describe('--ttl and lifetime', () => {
  const { env } = tempHome();

  it('refuses the same values in deploy, deploy --dry-run and plan, exit 2, with no token needed', async () => {
    const dir = project();
    const cases: [string, string][] = [
      ['1s', "Error: --ttl '1s' is in seconds; the shortest lifetime is 10m.\n"],
      ['30s', "Error: --ttl '30s' is in seconds; the shortest lifetime is 10m.\n"],
      ['5m', "Error: --ttl '5m' is shorter than the minimum, 10m.\n"],
      ['5x', "Error: --ttl '5x' is not a duration like 30m, 8h, 2d or 1w.\n"],
      ['-1h', "Error: --ttl '-1h' cannot be negative.\n"],
    ];
    for (const [value, message] of cases) {
      for (const command of [['deploy', '--yes'], ['deploy', '--dry-run'], ['plan']]) {
        const result = await runCli([...command, '--ttl', value], { cwd: dir, env });
        const what = `${command.join(' ')} --ttl ${value}`;
        expect(result.code, what).toBe(2);
        expect(result.stdout, what).toBe('');
        expect(result.stderr, what).toMatch(new RegExp(`^${message.replace(/[.()?'-]/g, '\\$&')}Hint: `));
      }
    }
  });

  it('takes 1w everywhere: --ttl in plan and --dry-run, lifetime in templates validate and plan', async () => {
    const dir = project('1w');
    const validate = await runCli(['templates', 'validate', path.join(dir, 'deploy.yml')], { env });
    expect(validate.code, validate.stderr + validate.stdout).toBe(0);
    const week = 7 * 86_400_000;
    for (const argv of [
      ['plan', '--json'],
      ['deploy', '--dry-run', '--json'],
      ['plan', '--json', '--ttl', '1w'],
    ]) {
      const result = await runCli(argv, { cwd: argv.includes('--ttl') ? project() : dir, env });
      expect(result.code, `${argv.join(' ')}: ${result.stderr}`).toBe(0);
      const tags = JSON.parse(result.stdout).createRequest.tags as string[];
      const stamp = tags.find((tag) => tag.startsWith('build-expires:'))?.slice('build-expires:'.length);
      expect(stamp, argv.join(' ')).toBeDefined();
      const inMs = Date.parse(stamp!) - Date.now();
      expect(inMs).toBeGreaterThan(week - 120_000);
      expect(inMs).toBeLessThan(week + 120_000);
    }
  });

  it('refuses a lifetime below the minimum in templates validate and in plan, the same words', async () => {
    const dir = project('5m');
    const validate = await runCli(['templates', 'validate', path.join(dir, 'deploy.yml')], { env });
    expect(validate.code).toBe(1);
    expect(validate.stdout + validate.stderr).toContain("lifetime '5m' is shorter than the minimum, 10m");
    const plan = await runCli(['plan'], { cwd: dir, env });
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain("lifetime '5m' is shorter than the minimum, 10m");
  });

  it('records the idle limit as a build-idle: tag from --idle or lifetime: {idle}, checked by the same rule', async () => {
    const idleTag = (stdout: string) =>
      (JSON.parse(stdout).createRequest.tags as string[]).filter((tag) => tag.startsWith('build-idle:'));
    const flag = await runCli(['plan', '--json', '--idle', '2h'], { cwd: project(), env });
    expect(flag.code, flag.stderr).toBe(0);
    expect(idleTag(flag.stdout)).toEqual(['build-idle:2h']);
    const dir = project('{ ttl: 8h, idle: 90m }');
    const validate = await runCli(['templates', 'validate', path.join(dir, 'deploy.yml')], { env });
    expect(validate.code, validate.stderr + validate.stdout).toBe(0);
    for (const argv of [
      ['plan', '--json'],
      ['deploy', '--dry-run', '--json'],
    ]) {
      const result = await runCli(argv, { cwd: dir, env });
      expect(result.code, `${argv.join(' ')}: ${result.stderr}`).toBe(0);
      expect(idleTag(result.stdout)).toEqual(['build-idle:90m']);
      const tags = JSON.parse(result.stdout).createRequest.tags as string[];
      expect(tags.some((tag) => tag.startsWith('build-expires:'))).toBe(true);
    }
    // --idle wins over the template's.
    expect(idleTag((await runCli(['plan', '--json', '--idle', '1d'], { cwd: dir, env })).stdout)).toEqual([
      'build-idle:1d',
    ]);
    expect(idleTag((await runCli(['plan', '--json'], { cwd: project(), env })).stdout)).toEqual([]);
    const short = await runCli(['plan', '--idle', '5m'], { cwd: project(), env });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("--idle '5m' is shorter than the minimum, 10m");
    const badTemplate = await runCli(['plan'], { cwd: project('{ idle: 5m }'), env });
    expect(badTemplate.code).toBe(1);
    expect(badTemplate.stderr).toContain("lifetime.idle '5m' is shorter than the minimum, 10m");
  });
});
