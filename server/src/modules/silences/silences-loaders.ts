// Silences and maintenance shown with the sensors, zones and tickets they cover (batched per request).
import type { ModuleContext } from '../../graphql/context.js';
import { unique } from '../../graphql/loaders.js';
import type { SensorRow, ZoneRow } from '../sensors/index.js';
import type { TicketRow } from '../tickets/index.js';

type Query<P> = { obj: P };
type Context = ModuleContext<'silences'>;

export const silencesLoaders = {
  Sensor: {
    async silences(queries: Query<SensorRow>[], { services: { facades } }: Context) {
      const sensors = queries.map((q) => q.obj);
      const rows = await facades.silences.activeFor({
        sensorIds: sensors.map((s) => s.id),
        zoneIds: unique(sensors.flatMap((s) => (s.zoneId ? [s.zoneId] : []))),
      });
      return sensors.map((s) =>
        rows.filter((r) => r.sensorId === s.id || (r.zoneId !== null && r.zoneId === s.zoneId)),
      );
    },
  },
  Zone: {
    async silences(queries: Query<ZoneRow>[], { services: { facades } }: Context) {
      const rows = await facades.silences.activeFor({ zoneIds: queries.map((q) => q.obj.id) });
      return queries.map((q) => rows.filter((r) => r.zoneId === q.obj.id));
    },
    async maintenance(queries: Query<ZoneRow>[], { services: { facades } }: Context) {
      const rows = await facades.silences.zoneMaintenance(queries.map((q) => q.obj.id));
      return queries.map((q) => rows.filter((w) => w.zoneId === q.obj.id));
    },
  },
  Ticket: {
    async silences(queries: Query<TicketRow>[], { services: { facades } }: Context) {
      const tickets = queries.map((q) => q.obj);
      const rows = await facades.silences.activeFor({
        ticketIds: tickets.map((t) => t.id),
        sensorIds: unique(tickets.map((t) => t.sensorId)),
        zoneIds: unique(tickets.flatMap((t) => (t.zoneId ? [t.zoneId] : []))),
      });
      return tickets.map((t) =>
        rows.filter(
          (r) => r.ticketId === t.id || r.sensorId === t.sensorId || (r.zoneId !== null && r.zoneId === t.zoneId),
        ),
      );
    },
    async openedDuringMaintenance(queries: Query<TicketRow>[], { services: { facades } }: Context) {
      const tickets = queries.map((q) => q.obj);
      const windows = await facades.silences.maintenanceCovering(
        unique(tickets.map((t) => t.sensorId)),
        unique(tickets.flatMap((t) => (t.zoneId ? [t.zoneId] : []))),
      );
      return tickets.map((t) =>
        windows.some(
          (w) =>
            (w.sensorId === t.sensorId || (w.zoneId !== null && w.zoneId === t.zoneId)) &&
            w.startsAt <= t.openedAt &&
            t.openedAt < w.endsAt,
        ),
      );
    },
  },
};
