/**
 * NO_COLOR: the test environment is not a terminal, so Ink would never colour anything here;
 * force colour support first so that turning it off is what this test observes.
 */
import { afterEach, describe, expect, it } from 'vitest';

process.env.FORCE_COLOR = '1';
const { FakeSource, view } = await import('./fake-source.js');
const { renderApp } = await import('./harness.js');

type Harness = ReturnType<typeof renderApp>;
let app: Harness | undefined;
afterEach(() => app?.unmount());

const COLOUR = /\u001b\[(3\d|9\d)m/;

describe('colour', () => {
  const rows = () => [view('aaaa1111'), view('bbbb2222', { instanceStatus: 'offline', health: 'unhealthy' })];

  it('colours status and health when colour is enabled', async () => {
    app = renderApp(new FakeSource(rows()), { color: true });
    expect(await app.waitFor((f) => f.includes('bbbb2222'))).toMatch(COLOUR);
  });

  it('emits no colour at all when disabled (NO_COLOR), in every screen', async () => {
    app = renderApp(new FakeSource(rows()), { color: false });
    expect(await app.waitFor((f) => f.includes('bbbb2222'))).not.toMatch(COLOUR);
    await app.press('d');
    expect(await app.waitFor((f) => f.includes('Destroy aaaa1111'))).not.toMatch(COLOUR);
    await app.press('\u001b', '\r');
    expect(await app.waitFor((f) => f.includes('instance'))).not.toMatch(COLOUR);
  });
});
