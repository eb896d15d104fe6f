/**
 * Attack: an app name that rewrites the app's systemd unit. The unit was filled with
 * String.replace placeholders, so `x@AFTER@y@REQUIRES@` moved the unit's After=/Requires= on
 * the metadata block into its Description (systemd then started the app without the block),
 * and `$'` or `` $` `` (replacement patterns) copied parts of the unit body into it.
 *
 * Two defences, each tested: the flags are refused unless they follow their template field's
 * rule, and the unit is built through the quoting module, so even a name that reaches the
 * planner some other way cannot change a directive (property test over arbitrary names,
 * through the whole planner, read back with systemd's line rules).
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appUnitFile } from '../../src/cloudinit/app.js';
import { APP_UNIT, SYSTEMD_DIR } from '../../src/cloudinit/layout.js';
import { CliError } from '../../src/errors.js';
import { parseUserData } from '../conformance/userdata.js';
import { bundledDir, loadTemplate, planFor } from '../plan/support.js';
import { nastyString } from '../quote/arbitraries.js';
import { repoRoot, runCli, tempHome } from '../support/cli.js';

/** What systemd reads from a unit: [section, key, value] in order (continuations, comments). */
function unitDirectives(text: string): [string, string, string][] {
  const directives: [string, string, string][] = [];
  let section = '';
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    let line = lines[index]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    // A trailing backslash joins the next line (systemd's config_parse).
    while (line.endsWith('\\') && index + 1 < lines.length) {
      line = `${line.slice(0, -1)} ${lines[++index]!.trim()}`;
    }
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const equals = line.indexOf('=');
    if (equals < 0) throw new Error(`not a directive: ${JSON.stringify(line)}`);
    directives.push([section, line.slice(0, equals).trim(), line.slice(equals + 1).trim()]);
  }
  return directives;
}

const template = loadTemplate(path.join(bundledDir, 'chat-agent', 'template.yml'));

/** The shipped app unit, or undefined when the planner refuses the name outright. */
function appUnitFor(appName: string): string | undefined {
  let userData: string;
  try {
    userData = planFor(template, {}, { appName }).userData;
  } catch (error) {
    // A refusal must be a clear error (e.g. a line break in BUILD_APP), never a crash.
    expect(error).toBeInstanceOf(CliError);
    return undefined;
  }
  const { files } = parseUserData(userData);
  const unit = files.find((file) => file.path === `${SYSTEMD_DIR}/${APP_UNIT}`);
  if (!unit) throw new Error('the plan has no app unit');
  return unit.content;
}

const HOSTILE_NAMES = ['x@AFTER@y@REQUIRES@', "x$'y", 'x$`y', 'x$&y', 'a\nExecStartPre=/bin/sh -c id', 'x\\'];

describe('a hostile app name', () => {
  const reference = unitDirectives(appUnitFor('demo')!);
  const withoutDescription = (directives: [string, string, string][]) =>
    directives.filter(([, key]) => key !== 'Description');

  it('never changes the app unit’s directives (property, through the planner)', () => {
    expect(reference.map(([, key]) => key)).toContain('Requires');
    fc.assert(
      fc.property(
        fc.oneof(nastyString, fc.constantFrom(...HOSTILE_NAMES), fc.string({ unit: 'grapheme' })),
        (name) => {
          const unit = appUnitFor(name);
          if (unit === undefined) return;
          const directives = unitDirectives(unit);
          expect(withoutDescription(directives)).toEqual(withoutDescription(reference));
          expect(directives.filter(([, key]) => key === 'Description')).toHaveLength(1);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never changes the directives of the unit the quoting module builds, for any name (property)', () => {
    const base = unitDirectives(appUnitFile('demo', true));
    fc.assert(
      fc.property(
        fc.oneof(nastyString, fc.constantFrom(...HOSTILE_NAMES), fc.string({ unit: 'binary' })),
        (name) => {
          const directives = unitDirectives(appUnitFile(name, true));
          expect(withoutDescription(directives)).toEqual(withoutDescription(base));
          expect(directives.filter(([, key]) => key === 'Description')).toHaveLength(1);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it.each(HOSTILE_NAMES)('keeps the metadata block a dependency with the name %j', (name) => {
    const directives = unitDirectives(appUnitFile(name, true));
    const value = (key: string) => directives.find(([section, k]) => section === 'Unit' && k === key)?.[2];
    expect(value('After')).toBe('network-online.target docker.service linode-build-metadata-block.service');
    expect(value('Requires')).toBe('docker.service linode-build-metadata-block.service');
  });

  it.each([
    ['--app-name', 'x@AFTER@y@REQUIRES@'],
    ['--app-name', "x$'y"],
    ['--app-name', 'UPPER'],
    ['--env', 'prod\nExecStartPre=/bin/id'],
    ['--region', 'us-ord x'],
    ['--type', 'g6-standard-2;id'],
    ['--image', 'linode/ubuntu24.04 --x'],
  ])('is refused by plan and deploy --dry-run as %s %j (exit 2, the rule named)', async (flag, value) => {
    const { env } = tempHome();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-security-name-'));
    copyFileSync(path.join(repoRoot, 'templates/chat-agent/template.yml'), path.join(dir, 'deploy.yml'));
    for (const command of [['plan'], ['deploy', '--dry-run']]) {
      const result = await runCli([...command, flag, value], { cwd: dir, env });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`Error: ${flag} ${JSON.stringify(value)} is not valid.`);
      expect(result.stderr).toMatch(/Hint: Use .*: the rule for \S+ in a template\./);
    }
  });

  it('is refused by init --app-name before anything is written', async () => {
    const { env, home } = tempHome();
    const result = await runCli(['init', 'chat-agent', '--directory', 'p', '--app-name', 'x@AFTER@y'], {
      cwd: home,
      env,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('app_name has an invalid value "x@AFTER@y"');
  });
});
