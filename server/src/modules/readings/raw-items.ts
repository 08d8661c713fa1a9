// Items as a transport received them (parsed JSON: MQTT messages, POST /api/readings) →
// ingest items, and the ingest service's outcome back in the transport's positions.
// Pure. Only what cannot be an item at all (not an object, no sensor id) is refused
// here; a bad sensor id, value or timestamp is refused by the ingest service's own
// checks (reading-checks.ts), the same for every transport.
import type { IngestError, IngestItem, IngestResult } from './readings-service.js';

export interface ParsedItems {
  items: IngestItem[];
  /** Items refused before ingestion (index = position in what was received). */
  errors: IngestError[];
  /** Position in what was received of each item in `items`. */
  positions: number[];
}

export interface ParseItemsOptions {
  /** The sensor every item belongs to (an MQTT topic's level); else each item's `sensorId`. */
  sensorId?: string | null;
  /**
   * The refusal of an item without a string `sensorId` (MQTT: UNKNOWN_SENSOR, the topic
   * named none either). Without it the item goes on and the service refuses it as
   * INVALID_SENSOR_ID, as GraphQL's would be.
   */
  noSensorId?: { code: IngestError['code']; message: string };
  /** The transport's reading of a timestamp; an invalid Date is the service's INVALID_TIMESTAMP. */
  timestamp: (raw: unknown) => Date;
  /** What an item should look like, for INVALID_ITEM's message. */
  shape: string;
}

export function parseItems(list: readonly unknown[], options: ParseItemsOptions): ParsedItems {
  const out: ParsedItems = { items: [], errors: [], positions: [] };
  const common = options.sensorId ?? null;
  list.forEach((raw: unknown, index) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      out.errors.push({
        index,
        sensorId: common,
        code: 'INVALID_ITEM',
        message: `An item must be an object ${options.shape}`,
      });
      return;
    }
    const item = raw as { sensorId?: unknown; timestamp?: unknown; value?: unknown };
    const sensorId = common ?? item.sensorId;
    if (typeof sensorId !== 'string' && options.noSensorId) {
      out.errors.push({ index, sensorId: null, ...options.noSensorId });
      return;
    }
    // Not a string: the service refuses it as INVALID_SENSOR_ID (checkSensorId).
    out.items.push({ sensorId: sensorId as string, timestamp: options.timestamp(item.timestamp), value: item.value });
    out.positions.push(index);
  });
  return out;
}

/** The service's outcome for `parsed.items`, with the refusals made before it, in received positions. */
export function mergeOutcome(parsed: ParsedItems, result: IngestResult): IngestResult {
  const errors = [
    ...parsed.errors,
    ...result.errors.map((e) => ({ ...e, index: parsed.positions[e.index] ?? e.index })),
  ].sort((a, b) => a.index - b.index);
  return { accepted: result.accepted, duplicates: result.duplicates, rejected: errors.length, errors };
}
