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

/**
 * Where a topic names the sensor: from the pattern's `+` level up to the pattern's fixed
 * levels after it. A sensor id may hold "/" (the sensor form suggests `hall-a/t1`), so
 * `sensors/+/readings` also takes `sensors/loading-dock/t1/readings` as sensor
 * `loading-dock/t1`. Null when the pattern has no `+` (the items must say the sensor).
 */
export interface TopicShape {
  /** Index of the `+` level (after a $share/<group>/ prefix). */
  at: number;
  /** The pattern's levels after `+` (fixed words). */
  suffix: string[];
}

export function sensorLevel(pattern: string): TopicShape | null {
  const levels = patternLevels(pattern);
  const at = levels.indexOf('+');
  if (at < 0) return null;
  return { at, suffix: levels.slice(at + 1) };
}

/**
 * What to subscribe to so that ids with "/" arrive: the pattern's levels before `+`, then
 * `#` (a broker's `+` is one level). A pattern with other wildcards is subscribed as it is.
 */
export function subscriptionTopic(pattern: string): string {
  const shape = sensorLevel(pattern);
  if (!shape || shape.suffix.some((l) => l === '+' || l === '#')) return pattern;
  const levels = pattern.split('/');
  const shared = levels[0] === '$share' ? 2 : 0;
  if (levels.slice(shared, shared + shape.at).some((l) => l === '+' || l === '#')) return pattern;
  return [...levels.slice(0, shared + shape.at), '#'].join('/');
}

/** Whether a topic has the pattern's shape (its fixed levels after the sensor id). */
export function topicMatches(topic: string, shape: TopicShape | null): boolean {
  if (!shape) return true;
  const levels = topic.split('/');
  if (levels.length < shape.at + 1 + shape.suffix.length) return false;
  const tail = levels.slice(levels.length - shape.suffix.length);
  return shape.suffix.every((l, i) => l === '+' || l === tail[i]);
}

/** The sensor id a topic names (its levels from `+` to the pattern's fixed end, joined by "/"), or null. */
export function topicSensor(topic: string, shape: TopicShape | null): string | null {
  if (!shape || !topicMatches(topic, shape)) return null;
  const levels = topic.split('/');
  const id = levels.slice(shape.at, levels.length - shape.suffix.length).join('/');
  return id || null;
}

export type ParsedMessage = ParsedItems;

function timestampOf(raw: unknown): Date {
  if (typeof raw === 'string' || typeof raw === 'number') return new Date(raw);
  return new Date(NaN);
}

export function parseMessage(topic: string, payload: Buffer, level: TopicShape | null): ParsedMessage {
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
