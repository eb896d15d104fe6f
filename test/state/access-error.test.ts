/** The hint for an unusable directory names the variable that moves that kind of file. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { statePaths } from '../../src/paths.js';
import { accessError } from '../../src/state/access-error.js';

const env = { HOME: '/home/u' } as NodeJS.ProcessEnv;

function hintFor(file: string, environment: NodeJS.ProcessEnv = env): string | undefined {
  return accessError(Object.assign(new Error('denied'), { code: 'EACCES', path: file }), environment)?.hint;
}

describe('accessError', () => {
  it.each([
    ['the registry', statePaths.registry(env), '/home/u/.local/state/linode-build', 'XDG_STATE_HOME'],
    [
      'a secret',
      path.join(statePaths.secrets(env), 'x/root-password'),
      '/home/u/.local/state/linode-build',
      'XDG_STATE_HOME',
    ],
    ['known_hosts', statePaths.knownHosts(env), '/home/u/.local/state/linode-build', 'XDG_STATE_HOME'],
    [
      'an installed template',
      path.join(statePaths.userTemplates(env), 'a'),
      '/home/u/.config/linode-build',
      'XDG_CONFIG_HOME',
    ],
    [
      'the type cache',
      path.join(statePaths.cache(env), 'types-x.json'),
      '/home/u/.cache/linode-build',
      'XDG_CACHE_HOME',
    ],
  ])('%s: names its directory and its XDG variable', (_what, file, directory, variable) => {
    expect(hintFor(file)).toBe(
      `Make ${directory} writable, or put linode-build's files elsewhere: LINODE_BUILD_HOME=DIR moves all of them; ${variable} moves this one.`,
    );
  });

  it('follows the XDG variables when they are set', () => {
    const moved = { ...env, XDG_STATE_HOME: '/var/tmp/st' };
    expect(hintFor('/var/tmp/st/linode-build/registry.json', moved)).toContain(
      'Make /var/tmp/st/linode-build writable,',
    );
    expect(hintFor('/var/tmp/st/linode-build/registry.json', moved)).toContain(
      'XDG_STATE_HOME moves this one',
    );
  });

  it('names only LINODE_BUILD_HOME when that placed the files', () => {
    const home = { ...env, LINODE_BUILD_HOME: '/srv/lb' };
    expect(hintFor('/srv/lb/state/registry.json', home)).toBe(
      "Make /srv/lb/state writable, or put linode-build's files elsewhere: LINODE_BUILD_HOME=DIR moves all of them.",
    );
  });

  it('gives a plain hint for a path that is not linode-build’s', () => {
    expect(hintFor('/etc/hosts')).toBe('Check its permissions, or choose another path.');
  });
});
