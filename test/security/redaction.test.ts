/**
 * Canaries for the output redactor, with secrets a naive scrubber misses: one containing `"`
 * and `\` (which JSON.stringify escapes, so a search in the serialised text never finds them),
 * and the Linode API token, which must be redacted even when something echoes it back (an API
 * or a proxy that puts the Authorization header into its error message).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Output } from '../../src/cli/framework/output.js';
import { runCli, tempHome } from '../support/cli.js';

const TOKEN = 'tok-CANARY"quote\\back-7f3a9c';
const SECRET = 'env-CANARY"q\\b-51d2';

/** Every form a secret can take in output: as is, JSON-escaped, and JSON-escaped twice. */
function forms(secret: string): string[] {
  const once = JSON.stringify(secret).slice(1, -1);
  return [secret, once, JSON.stringify(once).slice(1, -1)];
}

function expectNoSecret(text: string, secret: string): void {
  for (const form of forms(secret)) expect(text).not.toContain(form);
}

function captured(): { out: Output; text: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  stdout.on('data', (chunk) => {
    text += chunk;
  });
  stderr.on('data', (chunk) => {
    text += chunk;
  });
  return { out: new Output({ stdout, stderr, env: { NO_COLOR: '1' } }), text: () => text };
}

describe('the output redactor', () => {
  it('scrubs JSON values before serialising, so a quote or backslash in a secret cannot hide it', () => {
    const { out, text } = captured();
    out.redact(SECRET);
    out.json({
      message: `value is ${SECRET}.`,
      nested: [{ deep: SECRET }, `${SECRET}${SECRET}`],
      [`key-${SECRET}`]: 1,
      when: { toJSON: () => `at ${SECRET}` },
    });
    const printed = text();
    expectNoSecret(printed, SECRET);
    expect(JSON.parse(printed)).toEqual({
      message: 'value is [redacted].',
      nested: [{ deep: '[redacted]' }, '[redacted][redacted]'],
      'key-[redacted]': 1,
      when: 'at [redacted]',
    });
  });

  it('scrubs text lines, warnings and errors', () => {
    const { out, text } = captured();
    out.redact(SECRET);
    out.line(`line ${SECRET}`);
    out.warn(`warn ${SECRET}`);
    out.error(`error ${SECRET}`, `hint ${SECRET}`);
    expectNoSecret(text(), SECRET);
    expect(text().match(/\[redacted\]/g)).toHaveLength(4);
  });
});

describe('the Linode API token', () => {
  let server: http.Server;
  let url: string;
  const seen: string[] = [];

  beforeAll(async () => {
    // An API that echoes the credentials it was sent, as misbehaving proxies and APIs do.
    server = http.createServer((request, response) => {
      const authorization = request.headers.authorization ?? '';
      seen.push(authorization);
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ reason: `invalid credentials: ${authorization}` }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([
    [['status', '--all']],
    [['status', '--all', '--json']],
    [['status', '--all', '--json', '--debug']],
    [['destroy', 'abcd1234', '--yes']],
  ])('is never printed by %j, even when the API echoes it', async (args) => {
    const { env } = tempHome();
    const result = await runCli(args, { env: { ...env, LINODE_TOKEN: TOKEN, LINODE_API_URL: url } });
    expect(seen.at(-1)).toBe(`Bearer ${TOKEN}`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('[redacted]');
    expectNoSecret(`${result.stdout}${result.stderr}`, TOKEN);
  });
});
