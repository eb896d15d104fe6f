/**
 * `init --region/--type` check the value instead of accepting `us-nowhere` silently: against the
 * fake Linode API (a real HTTP server) when a token is set, against a fresh cache of its lists
 * without one; unknown → one error line naming the flag with the closest id, exit 2, nothing
 * written. With neither a token nor a cache, init still works and says in one line which value
 * it could not check.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../fake-linode/harness.js';
import { runCli, tempHome } from '../support/cli.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab?.close());

/** Lab's environment without the token: what a user without an account has. */
function withoutToken(env: Record<string, string>): Record<string, string | undefined> {
  return { ...env, LINODE_TOKEN: undefined };
}

describe('init --region/--type', () => {
  it('with a token, refuses values the API does not know, naming the flag, exit 2, writing nothing', async () => {
    const cases: [string[], string][] = [
      [['--region', 'us-nowhere'], "Error: --region: unknown region 'us-nowhere'"],
      [['--region', 'us-ordd'], "Error: --region: unknown region 'us-ordd' (did you mean 'us-ord'?)."],
      [
        ['--type', 'g6-standrad-2'],
        "Error: --type: unknown Linode type 'g6-standrad-2' (did you mean 'g6-standard-2'?).",
      ],
    ];
    for (const [flags, message] of cases) {
      const directory = path.join(lab.home, `refused-${flags[1]}`);
      const result = await lab.run(['init', 'chat-agent', '--directory', directory, ...flags]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.startsWith(message), result.stderr).toBe(true);
      expect(result.stderr).toMatch(/\nHint: Check --(region|type); 'linode-cli [^']+' lists them\.\n$/);
      expect(existsSync(directory)).toBe(false);
    }
    // Known values pass, with no warning.
    const directory = path.join(lab.home, 'known');
    const ok = await lab.run([
      'init',
      'chat-agent',
      '-d',
      directory,
      '--region',
      'de-fra-2',
      '--type',
      'g6-standard-8',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toBe('');
    expect(readdirSync(directory)).toContain('deploy.yml');
  });

  it('without a token, checks against the cached lists while they are fresh', async () => {
    // The token run above cached the API's regions and types in lab.home's cache directory.
    const env = withoutToken(lab.env);
    const refused = await runCli(
      ['init', 'chat-agent', '-d', path.join(lab.home, 'offline-bad'), '--region', 'us-nowhere'],
      {
        cwd: lab.home,
        env,
      },
    );
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/^Error: --region: unknown region 'us-nowhere'/);
    const accepted = await runCli(
      [
        'init',
        'chat-agent',
        '-d',
        path.join(lab.home, 'offline-ok'),
        '--region',
        'us-sea',
        '--type',
        'g6-standard-1',
      ],
      { cwd: lab.home, env },
    );
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stderr).toBe('');
  });

  it('without a token or a cache, writes the project and says the value could not be checked', async () => {
    const { home, env } = tempHome();
    const result = await runCli(['init', 'chat-agent', '-d', 'p', '--region', 'us-nowhere'], {
      cwd: home,
      env,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(
      'Warning: --region us-nowhere could not be checked: no API token is set and no recent list from the API is cached; plan and deploy check it against the API.\n',
    );
    expect(readdirSync(path.join(home, 'p'))).toContain('deploy.yml');
  });
});
