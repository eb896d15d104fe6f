import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redirectUrl } from '../../src/linode/api.js';
import { LinodeApiError, parseRetryAfter, toLinodeApiError } from '../../src/linode/api-error.js';
import { backoffDelay, defaultRetryPolicy, withRetries } from '../../src/linode/retry.js';

describe('backoff', () => {
  it('stays within the exponential ceiling and never below Retry-After', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
        (attempt, random, retryAfter) => {
          const delay = backoffDelay(attempt, defaultRetryPolicy, () => random, retryAfter);
          const ceiling = Math.min(
            defaultRetryPolicy.maxDelayMs,
            defaultRetryPolicy.baseDelayMs * 2 ** (attempt - 1),
          );
          expect(delay).toBeGreaterThanOrEqual(retryAfter ?? 0);
          expect(delay).toBeLessThanOrEqual(Math.max(ceiling, retryAfter ?? 0));
        },
      ),
    );
  });

  it('stops at the total time budget', async () => {
    let now = 0;
    let calls = 0;
    const error = new LinodeApiError('busy', 503, [], undefined);
    const result = withRetries(
      async () => {
        calls++;
        throw error;
      },
      toLinodeApiError,
      { maxAttempts: 100, baseDelayMs: 1000, maxDelayMs: 1000, maxTotalMs: 5000 },
      {
        now: () => now,
        random: () => 0.99,
        sleep: async (ms) => {
          now += ms;
        },
      },
    );
    await expect(result).rejects.toBe(error);
    expect(calls).toBeGreaterThan(3);
    expect(calls).toBeLessThan(8);
  });

  it('does not retry a 400', async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw new LinodeApiError('bad', 400, [{ field: 'type', reason: 'bad' }], undefined);
        },
        toLinodeApiError,
        defaultRetryPolicy,
        { now: () => 0, random: () => 0, sleep: async () => undefined },
      ),
    ).rejects.toThrow('bad');
    expect(calls).toBe(1);
  });
});

describe('Retry-After and error shapes', () => {
  it('parses seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });

  it('normalises api-v4 client-side validation arrays', () => {
    const error = toLinodeApiError([{ field: 'label', reason: 'too long' }]);
    expect(error.status).toBe(400);
    expect(error.errors).toEqual([{ field: 'label', reason: 'too long' }]);
  });
});

describe('LINODE_API_URL redirect', () => {
  it('keeps the API path and query, on any base path', () => {
    expect(
      redirectUrl('https://api.linode.com/v4beta/linode/instances?page=2', 'http://127.0.0.1:4010'),
    ).toBe('http://127.0.0.1:4010/v4beta/linode/instances?page=2');
    expect(redirectUrl('https://api.linode.com/v4/images/linode%2Fubuntu24.04', 'http://h:1/proxy')).toBe(
      'http://h:1/proxy/v4/images/linode%2Fubuntu24.04',
    );
    expect(redirectUrl('https://api.linode.com/v4/profile', undefined)).toBe(
      'https://api.linode.com/v4/profile',
    );
  });
});

describe('a refused token', () => {
  it('names the token scopes the refused action needs', async () => {
    const { explainApiError, tokenScopesFor } = await import('../../src/linode/api-error.js');
    const refused = new LinodeApiError('forbidden', 403, [], undefined);
    expect(explainApiError(refused, 'creating instance x', 'https://api.linode.com').hint).toBe(
      'Use a token with Read/Write access to Linodes and Firewalls (and an unrestricted user to set tags).',
    );
    expect(explainApiError(refused, 'creating NodeBalancer lb-x', 'https://api.linode.com').hint).toMatch(
      /Linodes, Firewalls and NodeBalancers/,
    );
    expect(tokenScopesFor('deleting subnet 4 of VPC 3')).toBe('Linodes, Firewalls and VPCs');
    expect(tokenScopesFor('creating placement group lb-x')).toBe('Linodes and Firewalls');
  });
});
