import { describe, expect, it } from 'vitest';
import { parseDateTime, parseIsoWithOffset } from '../src/graphql/scalars.js';

describe('DateTime parsing', () => {
  it.each([
    ['2026-11-28T14:00:00.000Z', '2026-11-28T14:00:00.000Z'],
    ['2026-11-28T14:00:00Z', '2026-11-28T14:00:00.000Z'],
    ['2026-11-28T14:00Z', '2026-11-28T14:00:00.000Z'],
    ['2026-11-28t14:00:00.5z', '2026-11-28T14:00:00.500Z'],
    ['2026-11-28T14:00:00.123456789Z', '2026-11-28T14:00:00.123Z'],
    ['2026-11-28T15:30:00+01:30', '2026-11-28T14:00:00.000Z'],
    ['2026-11-28T09:00:00-05:00', '2026-11-28T14:00:00.000Z'],
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
  ])('reads %s as %s (same as Date)', (input, iso) => {
    expect(parseDateTime(input).toISOString()).toBe(iso);
    expect(parseIsoWithOffset(input)).toBe(new Date(input.replace('t', 'T').replace(/z$/, 'Z')).getTime());
  });

  it.each([
    '2026-11-28T14:00:00', // no offset
    '2026-11-28 14:00:00Z',
    '2026-02-30T00:00:00Z', // no such day
    '2027-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-28T24:00:00Z',
    '2026-11-28T14:00:00.Z',
    '2026-11-28T14:00:00+0100',
    'yesterday',
    '',
  ])('refuses %j', (input) => {
    expect(Number.isNaN(parseIsoWithOffset(input))).toBe(true);
    expect(() => parseDateTime(input)).toThrow(/real ISO-8601 date-time with an offset/);
  });

  it('refuses non-strings', () => {
    expect(() => parseDateTime(1764338400000)).toThrow(/ISO-8601/);
  });
});
