// Maintenance windows: planned work that silences automatic tickets.
import type { MaintenanceWindow, PrismaClient } from '../../generated/prisma/client.js';

export type MaintenanceWindowRow = MaintenanceWindow;

export function createMaintenanceRepository(prisma: PrismaClient) {
  return {
    /** Windows not yet over (active or upcoming), or all when includePast. */
    list(filter: { sensorId?: string | null; zoneId?: string | null; includePast?: boolean | null }, now: Date) {
      return prisma.maintenanceWindow.findMany({
        where: {
          ...(filter.sensorId ? { sensorId: filter.sensorId } : {}),
          ...(filter.zoneId ? { zoneId: filter.zoneId } : {}),
          ...(filter.includePast ? {} : { endsAt: { gt: now } }),
        },
        orderBy: { startsAt: 'asc' },
      });
    },

    /** Windows not yet over that cover any of these sensors directly or through their zone. */
    forSensors(sensors: readonly { id: string; zoneId: string | null }[], now: Date) {
      const zoneIds = [...new Set(sensors.map((s) => s.zoneId).filter((z): z is string => z !== null))];
      return prisma.maintenanceWindow.findMany({
        where: {
          endsAt: { gt: now },
          OR: [{ sensorId: { in: sensors.map((s) => s.id) } }, { zoneId: { in: zoneIds } }],
        },
        orderBy: { startsAt: 'asc' },
      });
    },

    /** Zone windows not yet over. */
    forZones(zoneIds: readonly string[], now: Date) {
      return prisma.maintenanceWindow.findMany({
        where: { endsAt: { gt: now }, zoneId: { in: [...zoneIds] } },
        orderBy: { startsAt: 'asc' },
      });
    },

    /** Every window, past ones too, of these sensors or zones (to date tickets against). */
    coveringAny(sensorIds: readonly string[], zoneIds: readonly string[]) {
      return prisma.maintenanceWindow.findMany({
        where: { OR: [{ sensorId: { in: [...sensorIds] } }, { zoneId: { in: [...zoneIds] } }] },
      });
    },

    findById(id: string): Promise<MaintenanceWindowRow | null> {
      return prisma.maintenanceWindow.findUnique({ where: { id } });
    },

    create(data: {
      sensorId: string | null;
      zoneId: string | null;
      startsAt: Date;
      endsAt: Date;
      reason: string | null;
      createdBy: string;
    }) {
      return prisma.maintenanceWindow.create({ data });
    },

    /** Ends a window early; only if it is still running (returns null otherwise). */
    async endAt(id: string, now: Date): Promise<MaintenanceWindowRow | null> {
      const { count } = await prisma.maintenanceWindow.updateMany({
        where: { id, startsAt: { lte: now }, endsAt: { gt: now } },
        data: { endsAt: now },
      });
      return count ? prisma.maintenanceWindow.findUnique({ where: { id } }) : null;
    },

    /** Deletes a window that has not started yet (returns false if it has meanwhile). */
    async deleteUpcoming(id: string, now: Date): Promise<boolean> {
      const { count } = await prisma.maintenanceWindow.deleteMany({ where: { id, startsAt: { gt: now } } });
      return count > 0;
    },
  };
}

export type MaintenanceRepository = ReturnType<typeof createMaintenanceRepository>;
