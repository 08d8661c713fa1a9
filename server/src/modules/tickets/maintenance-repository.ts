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
  };
}

export type MaintenanceRepository = ReturnType<typeof createMaintenanceRepository>;
