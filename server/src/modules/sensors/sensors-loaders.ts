// Batched field resolution for Sensor and Zone (no N+1: a constant number of
// statements however many sensors a query lists).
import type { GraphQLContext } from '../../graphql/context.js';
import { byKey, groupBy, unique } from '../../graphql/loaders.js';
import { INITIAL_TRUST, toTrustScoreRow, type SensorWithTrust, type TrustRow } from '../trust/trust-repository.js';
import type { SensorRow, ZoneRow } from './sensors-repository.js';
import { UserInputError } from '../../kernel/errors.js';
import { MAX_READINGS_PER_QUERY } from '../readings/index.js';

type Query<P, A = Record<string, never>> = { obj: P; params: A };

/** The trust row of each parent: the one it carries, else one statement for the rest. */
async function trustRows(queries: Query<SensorWithTrust>[], services: GraphQLContext['services']) {
  const missing = queries.filter((q) => q.obj.loadedTrust === undefined).map((q) => q.obj.id);
  const loaded = missing.length ? await services.trustRepository.bySensorIds(missing) : new Map<string, TrustRow>();
  return (q: Query<SensorWithTrust>): TrustRow | undefined =>
    q.obj.loadedTrust === undefined ? loaded.get(q.obj.id) : (q.obj.loadedTrust ?? undefined);
}

/**
 * Groups parents by their field arguments, loads each group's rows at once and hands every
 * parent its own (rows carry a sensorId).
 */
async function perArguments<A, R extends { sensorId: string }>(
  queries: Query<SensorRow, A>[],
  load: (ids: string[], args: A) => Promise<R[]>,
): Promise<R[][]> {
  const results = new Map<Query<SensorRow, A>, R[]>();
  for (const group of groupBy(queries, (q) => JSON.stringify(q.params)).values()) {
    const [first] = group;
    if (!first) continue;
    const bySensor = groupBy(await load(unique(group.map((q) => q.obj.id)), first.params), (r) => r.sensorId);
    for (const q of group) results.set(q, bySensor.get(q.obj.id) ?? []);
  }
  return queries.map((q) => results.get(q) ?? []);
}

export const sensorsLoaders = {
  Sensor: {
    async zone(queries: Query<SensorRow>[], { services }: GraphQLContext) {
      const zones = byKey(
        await services.sensorsRepository.zonesByIds(unique(queries.map((q) => q.obj.zoneId))),
        (z) => z.id,
      );
      return queries.map((q) => (q.obj.zoneId ? (zones.get(q.obj.zoneId) ?? null) : null));
    },
    async trust(queries: Query<SensorRow>[], { services }: GraphQLContext) {
      const stateOf = await trustRows(queries, services);
      return queries.map((q) => {
        const state = stateOf(q);
        return state ? toTrustScoreRow(state) : { sensorId: q.obj.id, ...INITIAL_TRUST };
      });
    },
    async lastReading(queries: Query<SensorRow>[], { services }: GraphQLContext) {
      const stateOf = await trustRows(queries, services);
      return queries.map((q) => {
        const state = stateOf(q);
        if (!state?.lastReadingAt || state.lastValue === null) return null;
        return { sensorId: q.obj.id, timestamp: state.lastReadingAt, value: state.lastValue };
      });
    },
    async tickets(
      queries: Query<SensorRow, { status?: ('OPEN' | 'ACKNOWLEDGED' | 'IN_PROGRESS' | 'RESOLVED')[] | null }>[],
      { services }: GraphQLContext,
    ) {
      // Parents usually share the same status filter; group by it to keep one query per distinct filter.
      const byFilter = groupBy(queries, (q) => JSON.stringify(q.params.status ?? null));
      const results = new Map<Query<SensorRow>, unknown[]>();
      for (const group of byFilter.values()) {
        const [first] = group; // groupBy makes no empty groups
        if (!first) continue;
        const rows = await services.ticketsRepository.bySensorIds(
          group.map((q) => q.obj.id),
          first.params.status ?? null,
        );
        const bySensor = groupBy(rows, (t) => t.sensorId);
        for (const q of group) results.set(q as Query<SensorRow>, bySensor.get(q.obj.id) ?? []);
      }
      return queries.map((q) => results.get(q as Query<SensorRow>) ?? []);
    },
    // Under a list of sensors (a zone's, a page) every parent's list comes from ONE statement
    // per distinct argument set (sensor-lists-repository.ts), not one per sensor.
    async readings(
      queries: Query<SensorRow, { from?: Date | null; to?: Date | null; last?: number | null }>[],
      { services }: GraphQLContext,
    ) {
      for (const { params } of queries) {
        const { last } = params;
        if (last !== null && last !== undefined && (last < 0 || last > MAX_READINGS_PER_QUERY))
          throw new UserInputError(`last must be between 0 and ${MAX_READINGS_PER_QUERY}, got ${last}`);
      }
      return perArguments(queries, (ids, { from, to, last }) =>
        services.sensorLists.readings(ids, from ?? null, to ?? null, last ?? null),
      );
    },
    async trustHistory(
      queries: Query<SensorRow, { from?: Date | null; to?: Date | null; includePrevious?: boolean | null }>[],
      { services }: GraphQLContext,
    ) {
      return perArguments(queries, (ids, { from, to, includePrevious }) =>
        services.sensorLists.trustHistory(ids, from ?? null, to ?? null, includePrevious === true),
      );
    },
    async maintenance(queries: Query<SensorRow>[], { services }: GraphQLContext) {
      const windows = await services.maintenanceRepository.forSensors(
        queries.map((q) => ({ id: q.obj.id, zoneId: q.obj.zoneId })),
        services.clock.now(),
      );
      return queries.map((q) =>
        windows.filter((w) => w.sensorId === q.obj.id || (w.zoneId !== null && w.zoneId === q.obj.zoneId)),
      );
    },
  },
  Zone: {
    async sensors(queries: Query<ZoneRow>[], { services }: GraphQLContext) {
      const bySensorZone = groupBy(
        await services.sensorsRepository.sensorsByZoneIds(queries.map((q) => q.obj.id)),
        (s) => s.zoneId,
      );
      return queries.map((q) => bySensorZone.get(q.obj.id) ?? []);
    },
    async stats(queries: Query<ZoneRow>[], { services }: GraphQLContext) {
      const stats = byKey(await services.dashboardRepository.zoneStats(queries.map((q) => q.obj.id)), (s) => s.zoneId);
      return queries.map((q) => stats.get(q.obj.id));
    },
  },
};
