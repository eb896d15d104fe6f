// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the bash program below uses bash's ${…}.
/**
 * `linode-build completion`: the scripts come from the command specs. The bash one is loaded
 * into a real bash and asked, the way bash asks it on Tab, to complete a few prefixes — with
 * the built binary on PATH for template names and the ids in a registry.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import type { OptionSpec } from '../../src/cli/framework/command.js';
import { deploymentRecord } from '../deploy/fixtures.js';
import { binPath, runCli, tempHome } from '../support/cli.js';
import { toolsAvailable } from '../support/tools.js';

const { home, env } = tempHome();
const state = path.join(home, 'state');
mkdirSync(path.join(state, 'state'), { recursive: true });
writeFileSync(
  path.join(state, 'state', 'registry.json'),
  JSON.stringify({
    version: 1,
    deployments: ['k3x9abcd', 'k3x9wxyz', 'p2m7qq01'].map((id) => deploymentRecord(id)),
  }),
);
const cliEnv = { ...env, LINODE_BUILD_HOME: state };

// `linode-build` on PATH, as a user has it: the bin file itself, run through its shebang.
const pathDir = mkdtempSync(path.join(os.tmpdir(), 'lb-completion-path-'));
symlinkSync(binPath, path.join(pathDir, 'linode-build'));
const PATH = [pathDir, path.dirname(process.execPath), process.env.PATH].join(path.delimiter);

async function script(shell: string): Promise<string> {
  const result = await runCli(['completion', shell], { env: cliEnv });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

/** What bash's completion offers for `words` (the last one is the word being completed). */
function complete(bashScript: string, words: readonly string[]): string[] {
  const file = path.join(pathDir, 'completion.bash');
  writeFileSync(file, bashScript);
  const program = [
    `source ${file}`,
    'complete -p linode-build',
    'COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()',
    // Call the function bash registered for linode-build, as Tab would.
    'function=$(complete -p linode-build | sed -E "s/.*-F ([^ ]+) .*/\\1/")',
    '"$function" linode-build "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const result = spawnSync('bash', ['-c', program, 'bash', 'linode-build', ...words], {
    encoding: 'utf8',
    env: { ...process.env, ...cliEnv, PATH },
  });
  expect(result.status, result.stderr).toBe(0);
  const [registration, ...offered] = result.stdout.split('\n').filter(Boolean);
  expect(registration).toBe('complete -F _linode_build linode-build');
  return offered.sort();
}

describe('linode-build completion', () => {
  it('bash completes commands, subcommands, options, values, template names and deployment ids', async () => {
    const bash = await script('bash');
    expect(spawnSync('bash', ['-n'], { input: bash }).status).toBe(0);
    expect(complete(bash, ['de'])).toEqual(['deploy', 'destroy']);
    expect(complete(bash, ['templates', 'l'])).toEqual(['list']);
    expect(complete(bash, ['templates', 'lis'])).toEqual(['list']);
    expect(complete(bash, ['plan', '--reg'])).toEqual(['--region']);
    expect(complete(bash, ['init', ''])).toEqual([
      'chat-agent',
      'embeddings-python',
      'llm-api',
      'ml-pipeline',
    ]);
    expect(complete(bash, ['plan', '--template', 'llm'])).toEqual(['llm-api']);
    expect(complete(bash, ['destroy', 'k3'])).toEqual(['k3x9abcd', 'k3x9wxyz']);
    expect(complete(bash, ['ssh', '--identity', '/dev/nul'])).toEqual(['/dev/null']);
    expect(complete(bash, ['logs', '--follow', 'p2'])).toEqual(['p2m7qq01']);
    expect(complete(bash, ['completion', ''])).toEqual(['bash', 'fish', 'zsh']);
    // After `--` the words belong to ssh, not to linode-build.
    expect(complete(bash, ['ssh', 'k3x9abcd', '--', 'up'])).toEqual([]);
  });

  it('bash offers every command, and every option of every command, from the specs', async () => {
    const bash = await script('bash');
    const top = [...new Set(commands.map((command) => command.name.split(' ')[0]!))];
    expect(complete(bash, [''])).toEqual([...top, '--help', '--version'].sort());
    for (const command of commands) {
      const options = Object.keys((command.options ?? {}) as Record<string, OptionSpec>).map(
        (name) => `--${name}`,
      );
      expect(
        complete(bash, [...command.name.split(' '), '--']).filter(
          (word) => word !== '--help' && word !== '--debug',
        ),
        command.name,
      ).toEqual(options.sort());
    }
  });

  it('zsh runs the same completion through bashcompinit; fish gets one line per command and option', async () => {
    const zsh = await script('zsh');
    expect(zsh).toContain('bashcompinit');
    expect(zsh).toContain('complete -F _linode_build linode-build');
    const fish = await script('fish');
    for (const command of commands) {
      expect(fish).toContain(`-a '${command.name.split(' ').at(-1)}' -d `);
      for (const option of Object.keys((command.options ?? {}) as Record<string, OptionSpec>))
        expect(fish).toContain(`-l '${option}'`);
    }
    expect(fish).toContain("-a '(linode-build completion --values deployment 2>/dev/null)'");
  });

  it('prints the names the scripts ask for, and refuses an unknown shell', async () => {
    const ids = await runCli(['completion', '--values', 'deployment'], { env: cliEnv });
    expect(ids.stdout).toBe('k3x9abcd\nk3x9wxyz\np2m7qq01\n');
    const names = await runCli(['completion', '--values', 'template'], { env: cliEnv });
    expect(names.stdout.split('\n')).toEqual(expect.arrayContaining(['llm-api', 'chat-agent']));
    const unknown = await runCli(['completion', 'fsh'], { env: cliEnv });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^Error: unknown shell 'fsh'/);
  });

  it.runIf(toolsAvailable('zsh', 'fish'))(
    'zsh and fish load their scripts and complete the same prefixes',
    async () => {
      const zshFile = path.join(pathDir, 'completion.zsh');
      writeFileSync(zshFile, await script('zsh'));
      const fishFile = path.join(pathDir, 'completion.fish');
      writeFileSync(fishFile, await script('fish'));
      const shellEnv = { ...process.env, ...cliEnv, PATH };
      expect(spawnSync('zsh', ['-n', zshFile]).status).toBe(0);
      expect(spawnSync('fish', ['-n', fishFile]).status).toBe(0);

      // zsh: the bash function under bashcompinit (ksharrays, as _bash_complete sets). zsh filters
      // COMPREPLY by the typed prefix itself (compadd), so the candidates must contain the match.
      const zsh = (words: readonly string[]) => {
        const program = [
          `source ${zshFile}`,
          'setopt ksharrays',
          'COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=()',
          '_linode_build',
          'print -rl -- "${COMPREPLY[@]}"',
        ].join('\n');
        const result = spawnSync('zsh', ['-f', '-c', program, 'zsh', 'linode-build', ...words], {
          encoding: 'utf8',
          env: shellEnv,
        });
        expect(result.status, result.stderr).toBe(0);
        return result.stdout.split('\n').filter(Boolean);
      };
      expect(zsh(['de'])).toEqual(expect.arrayContaining(['deploy', 'destroy']));
      expect(zsh(['templates', 'l'])).toContain('list');
      expect(zsh(['plan', '--reg'])).toContain('--region');
      expect(zsh(['destroy', 'k3'])).toEqual(expect.arrayContaining(['k3x9abcd', 'k3x9wxyz']));

      // fish: its own `complete -C` answers exactly what Tab would offer.
      const fish = (line: string) => {
        const result = spawnSync(
          'fish',
          ['--no-config', '-c', `source ${fishFile}; complete -C ${JSON.stringify(line)}`],
          {
            encoding: 'utf8',
            env: shellEnv,
          },
        );
        expect(result.status, result.stderr).toBe(0);
        return result.stdout
          .split('\n')
          .filter(Boolean)
          .map((entry) => entry.split('\t')[0]!)
          .sort();
      };
      expect(fish('linode-build de')).toEqual(['deploy', 'destroy']);
      expect(fish('linode-build templates l')).toEqual(['list']);
      expect(fish('linode-build plan --reg')).toEqual(['--region']);
      expect(fish('linode-build init ')).toEqual([
        'chat-agent',
        'embeddings-python',
        'llm-api',
        'ml-pipeline',
      ]);
      expect(fish('linode-build destroy k3')).toEqual(['k3x9abcd', 'k3x9wxyz']);
      expect(fish('linode-build completion ')).toEqual(['bash', 'fish', 'zsh']);
    },
  );
});
