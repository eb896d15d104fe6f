/** The ssh argv: host-key options first, pinned per deployment, paths ssh reads back exactly. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hostKeyAlias, sshArgv, sshConfigPath } from '../../src/ssh/command.js';
import { toolsAvailable } from '../support/tools.js';

describe('sshArgv', () => {
  it('checks host keys against our own file, pinned by deployment, before any extra argument', () => {
    const argv = sshArgv({
      deploymentId: 'k3x9abcd',
      host: '203.0.113.5',
      knownHostsFile: '/home/u/.local/state/linode-build/known_hosts',
      extra: ['-o', 'StrictHostKeyChecking=no', 'uptime'],
    });
    expect(argv).toEqual([
      'ssh',
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      'UserKnownHostsFile=/home/u/.local/state/linode-build/known_hosts',
      '-o',
      'HostKeyAlias=linode-build-k3x9abcd',
      'root@203.0.113.5',
      '-o',
      'StrictHostKeyChecking=no',
      'uptime',
    ]);
    expect(argv.join(' ')).not.toMatch(/sshpass|Password/i);
  });

  it('uses only the given identity when there is one', () => {
    const argv = sshArgv({ deploymentId: 'a', host: 'h', knownHostsFile: '/k', identityFile: '/keys/id' });
    expect(argv.slice(7, 11)).toEqual(['-i', '/keys/id', '-o', 'IdentitiesOnly=yes']);
  });

  it('escapes % and quotes whitespace in paths, and refuses a double quote', () => {
    expect(sshConfigPath('/plain/known_hosts')).toBe('/plain/known_hosts');
    expect(sshConfigPath('/a b/100%/k')).toBe('"/a b/100%%/k"');
    expect(() => sshConfigPath('/a"b')).toThrow(/cannot contain/);
  });

  it.runIf(toolsAvailable('ssh'))('is read back by the real ssh exactly as meant (ssh -G)', () => {
    const knownHostsFile = '/tmp/state dir/100%/known_hosts';
    // A later `-o StrictHostKeyChecking=no` from the user must not switch checking off.
    const argv = sshArgv({
      deploymentId: 'k3x9abcd',
      host: '203.0.113.5',
      knownHostsFile,
      extra: ['-o', 'StrictHostKeyChecking=no'],
    });
    // `ssh -G` prints the configuration it would use, without connecting.
    const result = spawnSync(argv[0]!, ['-G', '-F', '/dev/null', ...argv.slice(1)], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    const config = new Map(
      result.stdout
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)]),
    );
    expect(config.get('userknownhostsfile')).toBe(knownHostsFile);
    expect(config.get('stricthostkeychecking')).toBe('accept-new');
    expect(config.get('hostkeyalias')).toBe(hostKeyAlias('k3x9abcd'));
    expect(config.get('user')).toBe('root');
    expect(config.get('hostname')).toBe('203.0.113.5');
  });
});
