// Fleet and zone aggregates. A constant number of statements, none of which
// touches the readings table (readingsLastHour comes from the per-minute rollup).
import type { PrismaClient } from '../../generated/prisma/client.js';
import { SEVERITIES, TRUST_STATUSES, type Severity, type TrustStatus } from '../../trust/types.js';

export interface StatusCount {
  status: TrustStatus;
  count: number;
}

export interface ZoneStatsRow {
  zoneId: string;
  zoneName: string;
  sensorCount: number;
  averageTrust: number | null;
  statusCounts: StatusCount[];
  openTickets: number;
}

export interface DashboardSummaryRow {
  sensorCount: number;
  averageTrust: number | null;
  statusCounts: StatusCount[];
  openTickets: number;
  openTicketsBySeverity: { severity: Severity; count: number }[];
  readingsLastHour: number;
  generatedAt: string;
}

function statusCounts(counts: Partial<Record<TrustStatus, number>>): StatusCount[] {
  return TRUST_STATUSES.map((status) => ({ status, count: Number(counts[status] ?? 0) }));
}

export function createDashboardRepository(prisma: PrismaClient) {
  return {
    /** Stats of the given zones (all zones when null), in zone id order. */
    async zoneStats(zoneIds: readonly string[] | null): Promise<ZoneStatsRow[]> {
      const ids = zoneIds ? [...zoneIds] : null;
      const [rows, tickets] = await Promise.all([
        prisma.$queryRaw<{ zone_id: string; zone_name: string; status: TrustStatus | null; n: number; score_sum: number | null }[]>`
          SELECT z.id AS zone_id, z.name AS zone_name, t.status, count(t.sensor_id)::int AS n, sum(t.score) AS score_sum
            FROM zone z
            LEFT JOIN sensor s ON s.zone_id = z.id
            LEFT JOIN trust_state t ON t.sensor_id = s.id
           WHERE (${ids}::text[] IS NULL OR z.id = ANY(${ids}::text[]))
           GROUP BY z.id, z.name, t.status`,
        prisma.$queryRaw<{ zone_id: string; n: number }[]>`
          SELECT s.zone_id, count(*)::int AS n
            FROM ticket k JOIN sensor s ON s.id = k.sensor_id
           WHERE k.status <> 'RESOLVED' AND s.zone_id IS NOT NULL
             AND (${ids}::text[] IS NULL OR s.zone_id = ANY(${ids}::text[]))
           GROUP BY s.zone_id`,
      ]);
      const open = new Map(tickets.map((t) => [t.zone_id, t.n]));
      const zones = new Map<string, { name: string; counts: Partial<Record<TrustStatus, number>>; n: number; sum: number }>();
      for (const row of rows) {
        const zone = zones.get(row.zone_id) ?? { name: row.zone_name, counts: {}, n: 0, sum: 0 };
        zones.set(row.zone_id, zone);
        if (row.status === null) continue;
        zone.counts[row.status] = row.n;
        zone.n += row.n;
        zone.sum += Number(row.score_sum ?? 0);
      }
      return [...zones.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([zoneId, z]) => ({
          zoneId,
          zoneName: z.name,
          sensorCount: z.n,
          averageTrust: z.n ? z.sum / z.n : null,
          statusCounts: statusCounts(z.counts),
          openTickets: open.get(zoneId) ?? 0,
        }));
    },

    async summary(now: Date): Promise<DashboardSummaryRow> {
      const hourAgo = new Date(now.getTime() - 3600_000);
      const [trust, tickets, readings] = await Promise.all([
        prisma.$queryRaw<{ status: TrustStatus; n: number; score_sum: number }[]>`
          SELECT status, count(*)::int AS n, sum(score) AS score_sum FROM trust_state GROUP BY status`,
        prisma.$queryRaw<{ severity: Severity; n: number }[]>`
          SELECT severity, count(*)::int AS n FROM ticket WHERE status <> 'RESOLVED' GROUP BY severity`,
        prisma.$queryRaw<{ n: bigint | number | null }[]>`
          SELECT sum(count) AS n FROM reading_minute WHERE minute > ${hourAgo} AND minute <= ${now}`,
      ]);
      const counts: Partial<Record<TrustStatus, number>> = {};
      let sensorCount = 0;
      let scoreSum = 0;
      for (const row of trust) {
        counts[row.status] = row.n;
        sensorCount += row.n;
        scoreSum += Number(row.score_sum);
      }
      const bySeverity = new Map(tickets.map((t) => [t.severity, t.n]));
      return {
        sensorCount,
        averageTrust: sensorCount ? scoreSum / sensorCount : null,
        statusCounts: statusCounts(counts),
        openTickets: tickets.reduce((sum, t) => sum + t.n, 0),
        openTicketsBySeverity: SEVERITIES.map((severity) => ({ severity, count: bySeverity.get(severity) ?? 0 })),
        readingsLastHour: Number(readings[0]?.n ?? 0),
        generatedAt: now.toISOString(),
      };
    },
  };
}

export type DashboardRepository = ReturnType<typeof createDashboardRepository>;
