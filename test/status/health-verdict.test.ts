import { describe, expect, it } from 'vitest';
import { healthVerdict, STARTING_LIMIT_MS } from '../../src/status/health.js';

describe('healthVerdict', () => {
  it('is starting until the first success, then unhealthy on failure', () => {
    expect(healthVerdict({ ok: false, everHealthy: false, ageMs: 60_000 })).toBe('starting');
    expect(healthVerdict({ ok: false, everHealthy: false })).toBe('starting');
    expect(healthVerdict({ ok: true, everHealthy: false })).toBe('healthy');
    expect(healthVerdict({ ok: false, everHealthy: true, ageMs: 60_000 })).toBe('unhealthy');
  });
  it('ends starting when the boot runner failed or the deploy wait would have given up', () => {
    expect(healthVerdict({ ok: false, everHealthy: false, bootFailed: true, ageMs: 1000 })).toBe('unhealthy');
    expect(healthVerdict({ ok: false, everHealthy: false, ageMs: STARTING_LIMIT_MS + 1 })).toBe('unhealthy');
    expect(healthVerdict({ ok: false, everHealthy: false, ageMs: STARTING_LIMIT_MS })).toBe('starting');
  });
});
