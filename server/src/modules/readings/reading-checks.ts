// What makes one ingest item storable, checked the same way whichever transport
// brought it (GraphQL ingestReadings, MQTT, and any later route that hands items to
// the ingest service): pure, no I/O, `latestMs` passed in. Each check runs before the
// item reaches the database, so the database never sees what it would refuse
// (PostgreSQL rejects a NUL in text and timestamps before 4713 BC), and a bad item is
// one coded item error while the rest of its batch is stored.

/** Earliest timestamp a reading may carry: nothing measured before 1970 is a live sensor reading. */
export const EARLIEST_READING_MS = Date.UTC(1970, 0, 1);

/** Longest sensor id an item may name (ids are created by upsertSensor, which is stricter). */
export const MAX_SENSOR_ID_LENGTH = 200;

export type ReadingCheckCode = 'INVALID_SENSOR_ID' | 'INVALID_VALUE' | 'INVALID_TIMESTAMP';

export interface ReadingCheckFailure {
  code: ReadingCheckCode;
  message: string;
}

// C0 controls (NUL included), DEL and C1 controls: never part of a sensor id, and NUL is
// what PostgreSQL refuses in text outright.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function hasControlCharacters(s: string): boolean {
  return CONTROL.test(s);
}

/** Null when the id can be looked up; else why not. */
export function checkSensorId(sensorId: unknown): ReadingCheckFailure | null {
  if (typeof sensorId !== 'string' || sensorId.length === 0)
    return { code: 'INVALID_SENSOR_ID', message: 'sensorId must be a non-empty string' };
  if (sensorId.length > MAX_SENSOR_ID_LENGTH)
    return {
      code: 'INVALID_SENSOR_ID',
      message: `sensorId is ${sensorId.length} characters long; at most ${MAX_SENSOR_ID_LENGTH}`,
    };
  if (hasControlCharacters(sensorId))
    return { code: 'INVALID_SENSOR_ID', message: 'sensorId must not contain NUL or other control characters' };
  return null;
}

/**
 * Null when the reading's value and timestamp can be stored; else the first reason why
 * not. (A timestamp ahead of `latestMs` is the caller's FUTURE_TIMESTAMP: its message
 * names the server clock.)
 */
export function checkValueAndTime(value: unknown, timestamp: unknown): ReadingCheckFailure | null {
  if (typeof value !== 'number' || !Number.isFinite(value))
    return { code: 'INVALID_VALUE', message: `value must be a finite number, got ${describeValue(value)}` };
  const ts = timestamp instanceof Date ? timestamp.getTime() : NaN;
  if (!Number.isFinite(ts)) return { code: 'INVALID_TIMESTAMP', message: 'timestamp is not a valid date' };
  if (ts < EARLIEST_READING_MS)
    return {
      code: 'INVALID_TIMESTAMP',
      message: `timestamp ${describeTime(ts)} is before ${new Date(EARLIEST_READING_MS).toISOString()}, the earliest a reading may carry`,
    };
  return null;
}

function describeTime(ms: number): string {
  // Dates far outside ±275,760 years have no ISO form; every finite Date does.
  return new Date(ms).toISOString();
}

/**
 * A short description of what was sent as a value (JSON, cut at 40 characters). Never
 * JSON.stringify of the whole value: one nested thousands of levels deep would
 * overflow the stack; below 4 levels it is shown as `…`.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'no value';
  const json = shortJson(value, 0);
  return json.length > 40 ? `${json.slice(0, 40)}…` : json;
}

function shortJson(value: unknown, depth: number): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string') return JSON.stringify(value.length > 41 ? value.slice(0, 41) : value);
    return typeof value === 'number' || typeof value === 'boolean' ? String(value) : 'null';
  }
  if (depth >= 4) return '…';
  const parts: string[] = [];
  let length = 0;
  const entries = Array.isArray(value) ? value.slice(0, 41).map((v) => [null, v] as const) : Object.entries(value);
  for (const [key, inner] of entries) {
    if (length > 40) {
      parts.push('…');
      break;
    }
    const part = (key === null ? '' : `${JSON.stringify(key)}:`) + shortJson(inner, depth + 1);
    parts.push(part);
    length += part.length + 1;
  }
  return Array.isArray(value) ? `[${parts.join(',')}]` : `{${parts.join(',')}}`;
}
