import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

// Accepts ISO-8601 with an explicit offset (Z or ±hh:mm); serialises as UTC ISO.
// Parsed by hand: an ingest batch carries thousands of timestamps, and this is
// several times cheaper than a regular expression plus Date's own parser. It is
// also stricter (rejects 2026-02-30).

/** Days per month, January first (February of a common year); indexed by month - 1 once 1 <= month <= 12. */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, at: number, count: number): number {
  let value = 0;
  for (let k = 0; k < count; k++) {
    const c = s.charCodeAt(at + k) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

/** Epoch ms of `YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|±HH:MM)`, or NaN. */
export function parseIsoWithOffset(s: string): number {
  const n = s.length;
  if (n < 17 || n > 40) return NaN;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const t = s.charCodeAt(10);
  if (s[4] !== '-' || s[7] !== '-' || (t !== 84 && t !== 116) || s[13] !== ':') return NaN;
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59)
    return NaN;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = DAYS_IN_MONTH[month - 1];
  if (days === undefined || day > days + (leap ? 1 : 0)) return NaN;
  let i = 16;
  let second = 0;
  let millis = 0;
  if (s[i] === ':') {
    second = digits(s, i + 1, 2);
    if (second < 0 || second > 59) return NaN;
    i += 3;
    if (s[i] === '.') {
      i++;
      let scale = 100;
      const from = i;
      while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) {
        millis += (s.charCodeAt(i) - 48) * scale;
        scale /= 10;
        i++;
      }
      if (i === from || i - from > 9) return NaN;
      millis = Math.floor(millis);
    }
  }
  let offsetMinutes: number;
  const c = s[i];
  if ((c === 'Z' || c === 'z') && i + 1 === n) offsetMinutes = 0;
  else if ((c === '+' || c === '-') && i + 6 === n && s[i + 3] === ':') {
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    offsetMinutes = (c === '-' ? -1 : 1) * (oh * 60 + om);
  } else return NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

export function parseDateTime(value: unknown): Date {
  const ms = typeof value === 'string' ? parseIsoWithOffset(value) : NaN;
  if (Number.isNaN(ms)) {
    throw new GraphQLError(
      `DateTime must be a real ISO-8601 date-time with an offset, e.g. 2026-11-28T14:00:00.000Z; got ${JSON.stringify(value)}`,
      { extensions: { code: 'BAD_USER_INPUT' } },
    );
  }
  return new Date(ms);
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'ISO-8601 date-time with an explicit offset, e.g. 2026-11-28T14:00:00.000Z',
  serialize(value) {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'number') return new Date(value).toISOString();
    if (typeof value === 'string') return new Date(value).toISOString();
    throw new GraphQLError(`Cannot serialise ${typeof value} as DateTime`);
  },
  parseValue: parseDateTime,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('DateTime literal must be a string', { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return parseDateTime(ast.value);
  },
});
