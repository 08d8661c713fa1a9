// Database access for zones and sensors (the registry).
import type { PrismaClient, Prisma } from '../../generated/prisma/client.js';
import type { Sensor, Zone } from '../../generated/prisma/client.js';
import type { SensorProfile, TrustStatus } from '../../trust/types.js';

export type ZoneRow = Zone;
export type SensorRow = Sensor;

export interface SensorListFilter {
  zoneId?: string | null;
  kind?: string | null;
  status?: TrustStatus[] | null;
}

export interface ZoneWrite {
  id: string;
  name: string;
  description: string | null;
}

/** A sensor as registered: its engine profile (sensor-profile.ts) plus what only people read. */
export interface SensorWrite extends SensorProfile {
  name: string;
}

function sensorWhere(filter: SensorListFilter): Prisma.SensorWhereInput {
  const where: Prisma.SensorWhereInput = {};
  if (filter.zoneId) where.zoneId = filter.zoneId;
  if (filter.kind) where.kind = filter.kind;
  if (filter.status?.length) where.trust = { status: { in: filter.status } };
  return where;
}

export function createSensorsRepository(prisma: PrismaClient) {
  return {
    upsertZone(zone: ZoneWrite): Promise<ZoneRow> {
      const data = { name: zone.name, description: zone.description };
      return prisma.zone.upsert({ where: { id: zone.id }, create: { id: zone.id, ...data }, update: data });
    },

    /** Creates the sensor's trust row with it, so every sensor always has one. */
    async upsertSensor(sensor: SensorWrite): Promise<SensorRow> {
      const { id, ...data } = sensor;
      return prisma.$transaction(async (tx) => {
        const row = await tx.sensor.upsert({ where: { id }, create: { id, ...data }, update: data });
        await tx.trustState.upsert({ where: { sensorId: id }, create: { sensorId: id }, update: {} });
        return row;
      });
    },

    zoneExists(id: string): Promise<boolean> {
      return prisma.zone.count({ where: { id } }).then((n) => n > 0);
    },

    findZone(id: string): Promise<ZoneRow | null> {
      return prisma.zone.findUnique({ where: { id } });
    },

    findSensor(id: string): Promise<SensorRow | null> {
      return prisma.sensor.findUnique({ where: { id } });
    },

    zonesByIds(ids: readonly string[]): Promise<ZoneRow[]> {
      return prisma.zone.findMany({ where: { id: { in: [...ids] } } });
    },

    sensorsByIds(ids: readonly string[]): Promise<SensorRow[]> {
      return prisma.sensor.findMany({ where: { id: { in: [...ids] } } });
    },

    sensorsByZoneIds(zoneIds: readonly string[]): Promise<SensorRow[]> {
      return prisma.sensor.findMany({ where: { zoneId: { in: [...zoneIds] } }, orderBy: { id: 'asc' } });
    },

    listZones(): Promise<ZoneRow[]> {
      return prisma.zone.findMany({ orderBy: { id: 'asc' } });
    },

    /** Keyset page ordered by id; fetches one extra row to know whether more follow. */
    async listSensors(filter: SensorListFilter, first: number, afterId: string | null) {
      const where = sensorWhere(filter);
      const [rows, totalCount] = await Promise.all([
        prisma.sensor.findMany({
          where: afterId ? { AND: [where, { id: { gt: afterId } }] } : where,
          orderBy: { id: 'asc' },
          take: first + 1,
        }),
        prisma.sensor.count({ where }),
      ]);
      return { rows: rows.slice(0, first), hasNextPage: rows.length > first, totalCount };
    },
  };
}

export type SensorsRepository = ReturnType<typeof createSensorsRepository>;
