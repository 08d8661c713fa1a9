// Batched field resolution for Sensor and Zone (no N+1: a constant number of
// statements however many sensors a query lists).
import type { GraphQLContext } from '../../graphql/context.js';
import { byKey, groupBy, unique } from '../../graphql/loaders.js';
import { INITIAL_TRUST, toTrustScoreRow } from '../trust/trust-repository.js';
import type { SensorRow, ZoneRow } from './sensors-repository.js';

type Query<P, A = Record<string, never>> = { obj: P; params: A };

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
      const states = await services.trustRepository.bySensorIds(queries.map((q) => q.obj.id));
      return queries.map((q) => {
        const state = states.get(q.obj.id);
        return state ? toTrustScoreRow(state) : { sensorId: q.obj.id, ...INITIAL_TRUST };
      });
    },
    async lastReading(queries: Query<SensorRow>[], { services }: GraphQLContext) {
      const states = await services.trustRepository.bySensorIds(queries.map((q) => q.obj.id));
      return queries.map((q) => {
        const state = states.get(q.obj.id);
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
