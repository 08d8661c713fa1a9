// The one sensor → engine profile mapping. Ingestion (through the profile cache, from
// Prisma rows), the trust stream (the cache's loader inside its transaction, SQL) and the
// sweep (SQL) all build SensorProfile from this list, so a field the engine starts to use
// reaches every path, or none compiles.
import type { SensorProfile } from '../../trust/types.js';

/** Every SensorProfile field and the `sensor` column it is stored in. */
export const SENSOR_PROFILE_COLUMNS = {
  id: 'id',
  kind: 'kind',
  unit: 'unit',
  zoneId: 'zone_id',
  minValue: 'min_value',
  maxValue: 'max_value',
  expectedIntervalSeconds: 'expected_interval_seconds',
  heartbeatSeconds: 'heartbeat_seconds',
} as const satisfies { [K in keyof Required<SensorProfile>]: string };

/** What the profile cache loads per sensor: its profile fields, and whether it is retired. */
export interface SensorProfileRow extends SensorProfile {
  retiredAt: Date | null;
}

const PROFILE_FIELDS = Object.keys(SENSOR_PROFILE_COLUMNS) as (keyof SensorProfile)[];

/** The profile part of anything that carries the profile's fields (a Prisma sensor row, a SQL row). */
export function toSensorProfile(row: SensorProfile): SensorProfile {
  const profile: Record<string, unknown> = {};
  for (const field of PROFILE_FIELDS) profile[field] = row[field];
  return profile as unknown as SensorProfile;
}

/**
 * A SELECT list (`s.zone_id AS "zoneId", …`) that reads a sensor's profile fields
 * under their SensorProfile names from the `sensor` table aliased `alias`.
 */
export function sensorProfileSelectList(alias: string): string {
  return Object.entries(SENSOR_PROFILE_COLUMNS)
    .map(([field, column]) => `${alias}.${column} AS "${field}"`)
    .join(', ');
}
