// Transaction ids travel as decimal text: their order must be the numeric order.
import { describe, expect, it } from 'vitest';
import { lowestXid, xidLess } from './rows.js';
import { xidMax } from '../modules/trust/trust-stream-repository.js';

describe('xid8 text order', () => {
  it('agrees with BigInt on ids of any length, across digit boundaries and beyond 2^53', () => {
    const ids = ['0', '1', '9', '10', '99', '100', '741', '999999', '1000000', '4294967295', '4294967296'];
    ids.push('9007199254740993', '18446744073709551615', '18446744073709551614');
    for (let i = 0; i < 200; i++) ids.push(String(Math.floor(Math.random() * 10 ** (1 + (i % 15)))));
    for (const a of ids)
      for (const b of ids) {
        expect(xidLess(a, b)).toBe(BigInt(a) < BigInt(b));
        expect(xidMax(a, b)).toBe(BigInt(a) >= BigInt(b) ? a : b);
      }
    const lowest = ids.reduce((low, x) => (BigInt(x) < BigInt(low) ? x : low));
    expect(lowestXid(ids)).toBe(lowest);
    expect(lowestXid([])).toBeUndefined();
  });
});
