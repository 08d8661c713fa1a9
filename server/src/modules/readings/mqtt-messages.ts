// MQTT messages → ingest items (pure). A message on a topic of the configured pattern
// carries one reading `{ "timestamp": …, "value": … }` or an array of them; the sensor
// id is the topic level where the pattern has `+` (or an item's own `sensorId` when
// the pattern has none). Items are checked by the same ingest service as GraphQL's,
// so a bad value or timestamp is an item error there; only what cannot be an item at
// all (not JSON, not an object) is refused here.
import { parseItems, type ParsedItems } from './raw-items.js';

/** The pattern without a shared-subscription prefix ($share/<group>/…), split in levels. */
export function patternLevels(pattern: string): string[] {
  const levels = pattern.split('/');
  return levels[0] === '$share' ? levels.slice(2) : levels;
}

/** The topic level that names the sensor, or null when the items must say it. */
export function sensorLevel(pattern: string): number | null {
  const i = patternLevels(pattern).indexOf('+');
  return i < 0 ? null : i;
}

/** The sensor id a topic names at the pattern's `+` level, or null. */
export function topicSensor(topic: string, level: number | null): string | null {
  return level === null ? null : (topic.split('/')[level] ?? null);
}

export type ParsedMessage = ParsedItems;

function timestampOf(raw: unknown): Date {
  if (typeof raw === 'string' || typeof raw === 'number') return new Date(raw);
  return new Date(NaN);
}

export function parseMessage(topic: string, payload: Buffer, level: number | null): ParsedMessage {
  const sensorOfTopic = topicSensor(topic, level);
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return {
      items: [],
      errors: [{ index: 0, sensorId: sensorOfTopic, code: 'INVALID_JSON', message: 'The message is not JSON' }],
      positions: [],
    };
  }
  return parseItems(Array.isArray(body) ? body : [body], {
    sensorId: sensorOfTopic,
    noSensorId: { code: 'UNKNOWN_SENSOR', message: 'No sensor id: the topic has no + level and the item no sensorId' },
    timestamp: timestampOf,
    shape: '{ timestamp, value }',
  });
}
