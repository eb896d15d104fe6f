/**
 * Attack (on integrity): the TUI wizard wrote `.env` as raw `KEY=VALUE` lines, and deploy reads
 * `.env` with dotenv, so the value deployed was not the value typed: `abc #def` became `abc`,
 * `"quoted"` lost its quotes, `#hash` became empty, surrounding spaces vanished. A secret cut at
 * `#` deploys a wrong password; one that loses its quotes deploys another.
 *
 * One writer (renderDotenv) produces every `.env` value line; the property test writes
 * arbitrary values and reads them back with the parser deploy uses. Values a .env cannot hold
 * exactly are refused naming the variable, never showing the value. The wizard's backend is
 * driven end to end to show that it writes through that writer.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeProjectDotenv } from '../../src/catalog/init-project.js';
import { dotenvLine, parseDotenv, renderDotenv } from '../../src/env/dotenv.js';
import { CliError } from '../../src/errors.js';
import { MonitorSession } from '../../src/tui/monitor/model.js';
import { createWizardBackend } from '../../src/tui/wizard/live-backend.js';
import { labToken } from '../fake-linode/harness.js';
import { FakeLinode } from '../fake-linode/server.js';
import { nastyString } from '../quote/arbitraries.js';
import { tempHome } from '../support/cli.js';

/** The values from the review, plus quotes of every kind and dotenv's own syntax. */
const REVIEW_VALUES = [
  'abc #def',
  '"quoted"',
  '#hash',
  '  spaced  ',
  "it's",
  '`tick`',
  'a=b',
  'export X',
  '\\n stays backslash-n',
  'mixed \' and "',
  '',
  ' # ',
  '$HOME',
  'ends in a backslash\\',
  '\\',
];

const envName = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/);
const value = fc.oneof(nastyString, fc.constantFrom(...REVIEW_VALUES), fc.string({ unit: 'grapheme' }));

/**
 * What renderDotenv may refuse: line breaks (dotenv's too), NUL, lone surrogates, and values
 * that need quoting but hold all three quote kinds or end in a backslash.
 */
function mayBeRefused(text: string): boolean {
  const allQuotes = text.includes("'") && text.includes('`') && (text.includes('"') || /\\[nr]/.test(text));
  return /[\r\n\0\u2028\u2029]|[\uD800-\uDFFF]/.test(text) || allQuotes || text.endsWith('\\');
}

describe('.env written by linode-build', () => {
  it('reads back exactly through dotenv, for arbitrary values (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(envName, value, { maxKeys: 6 }), (values) => {
        let text: string;
        try {
          text = renderDotenv(values);
        } catch (error) {
          expect(error).toBeInstanceOf(CliError);
          const message = (error as CliError).message;
          const culprit = Object.entries(values).find(([name]) => message.includes(`variable ${name} `));
          expect(culprit, message).toBeDefined();
          expect(mayBeRefused(culprit![1])).toBe(true);
          if (culprit![1].length > 3) expect(message).not.toContain(culprit![1]);
          return;
        }
        expect(parseDotenv(text)).toEqual(values);
      }),
      { numRuns: 2000 },
    );
  });

  it.each(REVIEW_VALUES)('keeps %j exactly', (text) => {
    expect(parseDotenv(renderDotenv({ SECRET: text }))).toEqual({ SECRET: text });
  });

  it.each([
    ['a line break', 'one\ntwo'],
    ['a Unicode line separator', 'one\u2028two'],
    ['every quote kind', `'\`"`],
    ['a # and a trailing backslash', 'pass #word\\'],
  ])('refuses a value with %s by name, never printing it', (_, text) => {
    expect(() => dotenvLine('API_KEY', text)).toThrow(/Environment variable API_KEY /);
    try {
      dotenvLine('API_KEY', text);
    } catch (error) {
      expect((error as Error).message).not.toContain(text);
    }
  });

  it('is written 0600 and never over an existing .env', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-security-dotenv-'));
    const file = await writeProjectDotenv(dir, { HF_TOKEN: 'abc #def' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parseDotenv(readFileSync(file, 'utf8'))).toEqual({ HF_TOKEN: 'abc #def' });
    writeFileSync(file, 'KEEP=me\n');
    await expect(writeProjectDotenv(dir, { HF_TOKEN: 'x' })).rejects.toThrow(/already exists/);
    expect(readFileSync(file, 'utf8')).toBe('KEEP=me\n');
  });
});

describe('the TUI wizard', () => {
  let fake: FakeLinode;
  beforeAll(async () => {
    fake = await new FakeLinode({ token: labToken }).start();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('writes the values typed into .env so that deploy reads the same values', async () => {
    const { home, env } = tempHome();
    const wizard = createWizardBackend({
      env: { ...env, LINODE_TOKEN: labToken, LINODE_API_URL: fake.url },
      cwd: home,
      timeoutSeconds: 1,
    });
    const template = (await wizard.templates()).find((choice) => choice.name === 'llm-api')!;
    const typed = 'hf_abc #def "quoted" ';
    const session = new MonitorSession('security', Date.now());
    await wizard.start(
      {
        template,
        region: 'us-ord',
        type: 'g2-gpu-rtx4000a1-s',
        appName: 'dotenv-check',
        envName: 'prod',
        directory: 'project',
        envValues: { HF_TOKEN: typed },
      },
      session,
    );
    const written = readFileSync(path.join(home, 'project', '.env'), 'utf8');
    expect(parseDotenv(written)).toEqual({ HF_TOKEN: typed });
  }, 60_000);
});
