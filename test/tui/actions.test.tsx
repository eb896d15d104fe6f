import { afterEach, describe, expect, it } from 'vitest';
import { HELP_KEYS } from '../../src/tui/components/Help.js';
import { FakeSource, view } from './fake-source.js';
import { type Harness, KEYS, renderApp, sleep } from './harness.js';

let app: Harness | undefined;
afterEach(() => app?.unmount());

const two = () => [view('aaaa1111', { app: 'chat', label: 'chat-prod' }), view('bbbb2222', { app: 'embed' })];

describe('destroy', () => {
  it('asks for the id, refuses anything else, and destroys only after the exact id', async () => {
    const source = new FakeSource(two());
    app = renderApp(source);
    await app.waitFor((f) => f.includes('▶ aaaa1111'));
    await app.press('d');
    let frame = await app.waitFor((f) => f.includes('Destroy aaaa1111'));
    expect(frame).toContain('Destroy aaaa1111 (chat / prod, chat-prod)?');
    expect(frame).toContain('Type the id aaaa1111');
    await app.press(KEYS.enter);
    await app.press('y', KEYS.enter);
    frame = await app.waitFor((f) => f.includes('That is not aaaa1111'));
    expect(source.destroyed).toEqual([]);
    await app.press(KEYS.backspace, ...'aaaa1111'.split(''), KEYS.enter);
    frame = await app.waitFor((f) => f.includes('Destroyed aaaa1111'), 'destroy done');
    expect(frame).toContain('deleting instance of aaaa1111');
    expect(frame).toContain('deleting firewall');
    expect(source.destroyed).toEqual(['aaaa1111']);
    await app.press('x');
    frame = await app.waitFor((f) => f.includes('▶ bbbb2222') && !f.includes('aaaa1111 '), 'list refreshed');
    expect(frame).toContain('Destroyed aaaa1111.');
    expect(frame).toContain('1 deployment ·');
  });

  it('cancels with Esc and destroys nothing', async () => {
    const source = new FakeSource(two());
    app = renderApp(source);
    await app.waitFor((f) => f.includes('▶ aaaa1111'));
    await app.press('j', 'd', 'b', 'b', KEYS.escape);
    const frame = await app.waitFor((f) => f.includes('▶ bbbb2222') && !f.includes('Destroy'));
    expect(frame).toContain('aaaa1111');
    expect(source.destroyed).toEqual([]);
  });

  it('shows a failed destroy and keeps the deployment listed', async () => {
    const source = new FakeSource(two());
    source.destroyError = new Error('Linode API 500: internal error');
    app = renderApp(source);
    await app.waitFor((f) => f.includes('▶ aaaa1111'));
    await app.press('d', ...'aaaa1111'.split(''), KEYS.enter);
    const frame = await app.waitFor((f) => f.includes('failed after'));
    expect(frame).toContain('Linode API 500: internal error');
    await app.press(' ');
    await app.waitFor((f) => f.includes('▶ aaaa1111'));
  });

  it('from the detail view, returns to the list once the deployment is gone', async () => {
    const source = new FakeSource(two());
    app = renderApp(source);
    await app.waitFor((f) => f.includes('▶ aaaa1111'));
    await app.press(KEYS.enter);
    await app.waitFor((f) => f.includes('record: active'));
    await app.press('d', ...'aaaa1111'.split(''), KEYS.enter);
    await app.waitFor((f) => f.includes('Destroyed aaaa1111'));
    await app.press(KEYS.enter);
    const frame = await app.waitFor((f) => f.includes('▶ bbbb2222'));
    expect(frame).toContain('ID');
  });
});

describe('help overlay', () => {
  it('lists every key and closes with ?, q or Esc', async () => {
    app = renderApp(new FakeSource(two()), { intervalMs: 5000 });
    await app.waitFor((f) => f.includes('▶ aaaa1111'));
    for (const close of ['?', 'q', KEYS.escape]) {
      await app.press('?');
      const frame = await app.waitFor((f) => f.includes('Keys'));
      for (const [key] of HELP_KEYS) expect(frame).toContain(key);
      expect(frame).toContain('Data refreshes every 5s');
      await app.press(close);
      await app.waitFor((f) => f.includes('▶ aaaa1111'), `closed by ${JSON.stringify(close)}`);
    }
    // q closed the overlay; it did not quit the app.
    await app.press('j');
    await app.waitFor((f) => f.includes('▶ bbbb2222'));
  });

  it('every key the screens react to is in the help', () => {
    const documented = HELP_KEYS.map(([keys]) => keys).join(' ');
    for (const key of [
      'j',
      'k',
      'g',
      'G',
      'Enter',
      'l',
      'd',
      'r',
      '?',
      'q',
      'Esc',
      'Ctrl-C',
      'PgUp',
      'PgDn',
    ]) {
      expect(documented).toContain(key);
    }
  });

  it('Ctrl-C exits from any screen or dialog', async () => {
    app = renderApp(new FakeSource(two()));
    await app.waitFor((f) => f.includes('▶ aaaa1111'));
    await app.press('d', 'a');
    await app.waitFor((f) => f.includes('Destroy aaaa1111'));
    await app.press(KEYS.ctrlC);
    const frames = app.stdoutFrames().length;
    await app.press('j', 'k', 'q');
    await sleep(50);
    expect(app.stdoutFrames().length).toBe(frames);
  });
});
