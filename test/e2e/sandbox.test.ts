/**
 * Issue 16, "Try it without an account": `npm run sandbox` starts the fake API with simulated
 * machines and prints the export lines; README's "Try it without an account" section is then
 * run line by line, exactly as written there (read from README.md, so the two cannot drift),
 * with the built binary as `linode-build` on PATH, in a throwaway HOME. `tui` runs in a real
 * terminal (tmux) and is quit with q. The sandbox stops cleanly on SIGTERM and on Ctrl-C.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSshKey } from '../fake-linode/harness.js';
import { binPath, repoRoot, tempHome } from '../support/cli.js';
import { launchInTerminal, tmux } from '../support/tmux.js';
import { toolsAvailable } from '../support/tools.js';

/** The lines of README's sandbox journey: the ```sh block after the e2e marker, comments dropped. */
function sandboxJourney(readme: string): string[] {
  const section = readme.split('## Try it without an account')[1]?.split('\n## ')[0] ?? '';
  const block = /<!-- The e2e test [^>]*-->\n```sh\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no sandbox journey block');
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#\s.*$/, '').trim())
    .filter(Boolean);
}

interface Sandbox {
  readonly child: ChildProcess;
  readonly exports: Record<string, string>;
  stdout(): string;
  stderr(): string;
  /** The exit code, or the signal that ended it. */
  exited: Promise<number | string | null>;
  /** Ctrl-C in its terminal: SIGINT to the whole process group (npm and the script). */
  interrupt(): void;
}

/**
 * `npm run sandbox` as README says (or the script npm runs, `node scripts/sandbox.mjs`), on a
 * free port and fast timings, in its own process group as in a terminal.
 */
async function startSandbox(via: 'npm' | 'node' = 'npm'): Promise<Sandbox> {
  const flags = ['--port', '0', '--fast'];
  const [command, args] =
    via === 'npm'
      ? ['npm', ['run', '--silent', 'sandbox', '--', ...flags]]
      : [process.execPath, [path.join(repoRoot, 'scripts/sandbox.mjs'), ...flags]];
  const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | string | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal)),
  );
  const deadline = Date.now() + 60_000;
  while (!/^export LINODE_API_URL=.*\n/m.test(stdout)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`sandbox did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const exports = Object.fromEntries(
    [...stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((match) => [match[1]!, match[2]!]),
  );
  return {
    child,
    exports,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    interrupt: () => process.kill(-child.pid!, 'SIGINT'),
  };
}

function portOpen(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const running: Sandbox[] = [];
afterAll(() => {
  for (const sandbox of running) {
    try {
      process.kill(-sandbox.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('npm run sandbox', () => {
  it('prints exactly the two export lines the journey needs, and stops on SIGTERM with exit 0', async () => {
    const sandbox = await startSandbox('node');
    running.push(sandbox);
    expect(Object.keys(sandbox.exports)).toEqual(['LINODE_TOKEN', 'LINODE_API_URL']);
    expect(sandbox.exports.LINODE_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await portOpen(sandbox.exports.LINODE_API_URL!)).toBe(true);
    sandbox.child.kill('SIGTERM');
    expect(await sandbox.exited).toBe(0);
    expect(sandbox.stderr()).toContain('Stopped (SIGTERM).');
    expect(await portOpen(sandbox.exports.LINODE_API_URL!)).toBe(false);
  });

  it.skipIf(!toolsAvailable('tmux'))(
    "README's journey works verbatim: init, plan, deploy --wait, status, logs, tui, a change, destroy",
    async () => {
      const lines = sandboxJourney(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'));
      expect(lines[0]).toMatch(/^linode-build init /);
      expect(lines.at(-1)).toMatch(/^linode-build destroy/);
      const sandbox = await startSandbox();
      running.push(sandbox);
      const { home, env: homeEnv } = tempHome();
      writeSshKey(home);
      const shims = path.join(home, 'bin');
      mkdirSync(shims);
      writeFileSync(
        path.join(shims, 'linode-build'),
        `#!/bin/sh\nexec "${process.execPath}" "${binPath}" "$@"\n`,
        { mode: 0o755 },
      );
      // Only what a user's shell would have: no test-only variable reaches the CLI.
      const env: Record<string, string> = {
        ...homeEnv,
        PATH: `${shims}:${process.env.PATH}`,
        ...sandbox.exports,
      };
      let cwd = home;
      const outputs = new Map<string, string>();
      for (const line of lines) {
        if (line.startsWith('cd ')) {
          cwd = path.resolve(cwd, line.slice(3));
          continue;
        }
        if (line === 'linode-build tui') {
          const session = `lb-sandbox-${process.pid}`;
          launchInTerminal({ session, cwd, env, argv: ['sh', '-c', line], columns: 120, rows: 30 });
          try {
            let screen = '';
            for (let i = 0; i < 200 && !/1 running/.test(screen); i++) {
              await new Promise((resolve) => setTimeout(resolve, 100));
              screen = tmux('capture-pane', '-p', '-t', session);
            }
            expect(screen).toMatch(/chat-agent .* running +healthy/);
            tmux('send-keys', '-t', session, 'q');
            for (let i = 0; i < 100 && !/EXITED:/.test(screen); i++) {
              await new Promise((resolve) => setTimeout(resolve, 100));
              screen = tmux('capture-pane', '-p', '-t', session);
            }
            expect(screen).toContain('EXITED:0');
          } finally {
            spawnSync('tmux', ['kill-session', '-t', session]);
          }
          continue;
        }
        const result = spawnSync('bash', ['-c', line], { cwd, env, encoding: 'utf8', timeout: 120_000 });
        expect(result.status, `${line}\n${result.stdout}\n${result.stderr}`).toBe(0);
        outputs.set(line, `${outputs.get(line) ?? ''}${result.stdout}${result.stderr}`);
      }
      const out = (prefix: string) => [...outputs].find(([line]) => line.startsWith(prefix))?.[1] ?? '';
      const deploy = out('linode-build deploy --wait');
      expect(deploy).toMatch(/Boot: app: Start the app container .*: ok/);
      expect(deploy).toMatch(/Healthy \(HTTP 200\)/);
      expect(deploy).not.toMatch(/SSH/);
      // Its own address block: the sandbox's servers never meet the test suite's 127.0.x.y instances.
      expect(deploy).toMatch(/Created instance \d+ \(127\.77\.\d+\.\d+\)/);
      expect(out('linode-build status')).toMatch(/Health:\s+healthy/);
      expect(out('linode-build logs --boot')).toMatch(/boot: done, (\d+)\/\1 steps done/);
      expect(outputs.get('linode-build logs')).toMatch(/GET \/api\/tags 200/);
      expect(out('linode-build deploy --ttl')).toMatch(/Updated \w{8} in place/);
      expect(out('linode-build plan --ttl')).toMatch(
        /~ container\.image +ollama\/ollama:0\.5\.7 → ollama\/ollama:0\.5\.8 +\(in place over SSH\)/,
      );
      expect(out('linode-build plan --ttl')).not.toMatch(/~ tags/);
      expect(out('linode-build destroy')).toMatch(/Destroyed \w{8} \(1 instance\(s\), 1 firewall\(s\)\)/);

      // Ctrl-C in the sandbox's terminal: it stops cleanly (npm itself then ends by the signal).
      sandbox.interrupt();
      await sandbox.exited;
      expect(sandbox.stderr()).toContain('Stopped (SIGINT).');
      expect(await portOpen(sandbox.exports.LINODE_API_URL!)).toBe(false);
      // Everything deployed was destroyed: the sandbox reports no instance left behind.
      expect(sandbox.stderr()).not.toContain('not destroyed');
    },
    300_000,
  );
});
