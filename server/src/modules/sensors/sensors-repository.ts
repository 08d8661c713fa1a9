// Database access for zones and sensors (the registry).
import type { PrismaClient, Prisma } from '../../generated/prisma/client.js';
import type { Sensor, Zone } from '../../generated/prisma/client.js';
import { FAULT_KINDS, type FaultKind, type SensorProfile, type TrustStatus } from '../../trust/types.js';

export type ZoneRow = Zone;
export type SensorRow = Sensor;

export interface SensorListFilter {
  zoneId?: string | null;
  kind?: string | null;
  status?: TrustStatus[] | null;
  /** true: only retired sensors; otherwise only sensors in service. */
  retired?: boolean | null;
  /** Id, name or zone name contains this (case-insensitive), or it names a fault kind the sensor lists. */
  search?: string | null;
  /** Lists a reason of one of these kinds. */
  reason?: FaultKind[] | null;
}

/** A sensor whose trust lists a reason of this kind (jsonb containment on trust_state.reasons). */
const listsReason = (kind: FaultKind): Prisma.TrustStateWhereInput => ({ reasons: { array_contains: [{ kind }] } });

/** "stuck", "Out of range", "out_of_range" → the fault kind they name; null for other text. */
export function faultKindNamed(text: string): FaultKind | null {
  const key = text
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
  return (FAULT_KINDS as readonly string[]).includes(key) ? (key as FaultKind) : null;
}

/** A ticket resolved because its sensor was retired (for the events published after commit). */
export interface RetiredTicket {
  id: string;
  sensorId: string;
  zoneId: string | null;
}

export interface ZoneWrite {
  id: string;
  name: string;
  description: string | null;
}

/** A sensor as registered: its engine profile (sensor-profile.ts) plus what only people read. */
export interface SensorWrite extends SensorProfile {
  name: string;
  /** The gateway its readings come through (incidents group a silent gateway's sensors). */
  gatewayId?: string | null;
}

function sensorWhere(filter: SensorListFilter): Prisma.SensorWhereInput {
  const where: Prisma.SensorWhereInput = { retiredAt: filter.retired ? { not: null } : null };
  const search = filter.search?.trim();
  if (search) {
    where.OR = [
      { id: { contains: search, mode: 'insensitive' } },
      { name: { contains: search, mode: 'insensitive' } },
      { zone: { name: { contains: search, mode: 'insensitive' } } },
    ];
    const named = faultKindNamed(search);
    if (named) where.OR.push({ trust: listsReason(named) });
  }
  if (filter.zoneId) where.zoneId = filter.zoneId;
  if (filter.kind) where.kind = filter.kind;
  const trust: Prisma.TrustStateWhereInput = {};
  if (filter.status?.length) trust.status = { in: filter.status };
  if (filter.reason?.length) trust.OR = filter.reason.map(listsReason);
  if (Object.keys(trust).length) where.trust = trust;
  return where;
}

/** `reads`: where lag-tolerant reads go (a read replica when configured; db/read-replicas.ts). */
export function createSensorsRepository(prisma: PrismaClient, reads: PrismaClient = prisma) {
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

    /** Sensors in service of these zones (retired ones are listed with `sensors(filter: {retired: true})`). */
    sensorsByZoneIds(zoneIds: readonly string[]): Promise<SensorRow[]> {
      return prisma.sensor.findMany({
        where: { zoneId: { in: [...zoneIds] }, retiredAt: null },
        orderBy: { id: 'asc' },
      });
    },

    /**
     * Takes a sensor out of service at `at`: sets retired_at (a trigger takes it out of
     * dashboard_trust, so out of every fleet figure) and resolves its open tickets with an
     * event saying why, in one transaction. Lock order as the trust stream's: the trust row,
     * then the sensor, then its tickets. Null for an unknown sensor; a retired one is
     * returned unchanged.
     */
    async retireSensor(
      id: string,
      at: Date,
      actor: string,
      note: string,
      why: string | null = null,
    ): Promise<{ sensor: SensorRow; tickets: RetiredTicket[] } | null> {
      return prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT sensor_id FROM trust_state WHERE sensor_id = ${id} FOR UPDATE`;
        const current = await tx.sensor.findUnique({ where: { id } });
        if (!current) return null;
        if (current.retiredAt) return { sensor: current, tickets: [] };
        const sensor = await tx.sensor.update({
          where: { id },
          data: { retiredAt: at, retiredBy: actor, retireNote: why },
        });
        const tickets = await tx.$queryRaw<RetiredTicket[]>`
          UPDATE ticket SET status = 'RESOLVED', resolved_at = ${at}, resolved_by = ${actor}, updated_at = ${at}
           WHERE sensor_id = ${id} AND status <> 'RESOLVED'
          RETURNING id, sensor_id AS "sensorId", zone_id AS "zoneId"`;
        if (tickets.length) {
          await tx.$executeRaw`
            INSERT INTO ticket_event (ticket_id, at, type, actor, note)
            SELECT unnest(${tickets.map((t) => t.id)}::text[]), ${at}, 'resolved', ${actor}, ${note}`;
        }
        return { sensor, tickets };
      });
    },

    /**
     * Brings a retired sensor back into service. Its trust starts again as for a newly
     * registered sensor (UNKNOWN, judged from its next reading): the state it was retired
     * with is stale. Its readings and history stay. Null for an unknown sensor; a sensor
     * in service is returned unchanged.
     */
    async reactivateSensor(id: string): Promise<SensorRow | null> {
      return prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT sensor_id FROM trust_state WHERE sensor_id = ${id} FOR UPDATE`;
        const current = await tx.sensor.findUnique({ where: { id } });
        if (!current?.retiredAt) return current;
        await tx.$executeRaw`
          UPDATE trust_state SET engine_state = NULL, score = 50, status = 'UNKNOWN', severity = 'NONE',
                 reasons = '[]'::jsonb, last_evaluated = NULL, status_since = NULL, version = version + 1,
                 stream_position = pg_snapshot_xmin(pg_current_snapshot()), updated_at = now()
           WHERE sensor_id = ${id}`;
        // The trigger dashboard_trust_retired puts it back into the fleet figures from this trust row.
        return tx.sensor.update({ where: { id }, data: { retiredAt: null, retiredBy: null, retireNote: null } });
      });
    },

    /**
     * Deletes a zone that holds no sensor (in service or retired) and its maintenance
     * windows. 'not-found' or 'not-empty' (with the number of sensors) otherwise.
     */
    async deleteZone(id: string): Promise<
      | { deleted: true }
      | { deleted: false; reason: 'not-found' }
      | {
          deleted: false;
          reason: 'not-empty';
          sensors: number;
        }
    > {
      return prisma.$transaction(async (tx) => {
        const zone = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM zone WHERE id = ${id} FOR UPDATE`;
        if (!zone.length) return { deleted: false, reason: 'not-found' } as const;
        const sensors = await tx.sensor.count({ where: { zoneId: id } });
        if (sensors > 0) return { deleted: false, reason: 'not-empty', sensors } as const;
        await tx.maintenanceWindow.deleteMany({ where: { zoneId: id } });
        await tx.zone.delete({ where: { id } });
        return { deleted: true } as const;
      });
    },

    listZones(): Promise<ZoneRow[]> {
      return prisma.zone.findMany({ orderBy: { id: 'asc' } });
    },

    /** Keyset page ordered by id; fetches one extra row to know whether more follow. */
    async listSensors(filter: SensorListFilter, first: number, afterId: string | null) {
      const where = sensorWhere(filter);
      const [rows, totalCount] = await Promise.all([
        reads.sensor.findMany({
          where: afterId ? { AND: [where, { id: { gt: afterId } }] } : where,
          orderBy: { id: 'asc' },
          take: first + 1,
        }),
        reads.sensor.count({ where }),
      ]);
      return { rows: rows.slice(0, first), hasNextPage: rows.length > first, totalCount };
    },
  };
}

export type SensorsRepository = ReturnType<typeof createSensorsRepository>;
