import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, hasReasons, initialTrustState, statusOf } from './index.js';
import { S_DEGRADED, S_HEALTHY } from './state.js';

describe('state accessors for the shell', () => {
  it('a new state is UNKNOWN without reasons', () => {
    const s = initialTrustState();
    expect(statusOf(s)).toBe('UNKNOWN');
    expect(hasReasons(s)).toBe(false);
  });

  it('an active reason counts whatever the status', () => {
    const s = initialTrustState();
    s.ra[FAULT_KINDS.indexOf('SPIKE')] = 2;
    expect(hasReasons(s)).toBe(true);
  });

  it('a cleared reason counts only while DEGRADED or FAULTY', () => {
    const s = initialTrustState();
    s.cz[FAULT_KINDS.indexOf('STUCK')] = 1_000;
    s.st = S_HEALTHY;
    expect(statusOf(s)).toBe('HEALTHY');
    expect(hasReasons(s)).toBe(false);
    s.st = S_DEGRADED;
    expect(statusOf(s)).toBe('DEGRADED');
    expect(hasReasons(s)).toBe(true);
  });
});
