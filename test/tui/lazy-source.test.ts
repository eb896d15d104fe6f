import { describe, expect, it } from 'vitest';
import { lazySource } from '../../src/tui/lazy-source.js';
import { FakeSource, view } from './fake-source.js';

describe('lazySource', () => {
  it('builds the real source once, on first use, and retries after a failed build', async () => {
    let builds = 0;
    let fail = true;
    const inner = new FakeSource([view('aaaa1111')]);
    const source = lazySource(async () => {
      builds++;
      if (fail) throw new Error('no token');
      return inner;
    });
    expect(builds).toBe(0);
    await expect(source.list()).rejects.toThrow('no token');
    fail = false;
    expect((await source.list()).map((d) => d.id)).toEqual(['aaaa1111']);
    expect(await source.logs('aaaa1111', 1)).toEqual(['line two']);
    await source.destroy('aaaa1111', () => undefined);
    expect(inner.destroyed).toEqual(['aaaa1111']);
    expect(builds).toBe(2);
  });
});
