// Fleet and zone aggregates. A constant number of statements, none of which
// touches the readings table (readingsLastHour sums the per-minute rollup
// reading_minute kept by the ingestion transaction), so their cost depends on
// the number of sensors and open tickets, never on the number of readings.
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
    /**
     * Stats of the given zones (all zones when null), in zone id order. Three
     * statements whatever the fleet size, over dashboard_trust: one narrow row
     * per sensor with its zone (kept by triggers, migration 20261128150000), so
     * nothing scans the wide, constantly rewritten trust_state rows or joins sensors.
     */
    async zoneStats(zoneIds: readonly string[] | null): Promise<ZoneStatsRow[]> {
      const ids = zoneIds ? [...zoneIds] : null;
      const [zones, trust, tickets] = await Promise.all([
        prisma.$queryRaw<{ id: string; name: string }[]>`
          SELECT id, name FROM zone WHERE (${ids}::text[] IS NULL OR id = ANY(${ids}::text[])) ORDER BY id`,
        prisma.$queryRaw<{ zone_id: string; status: TrustStatus; n: number; score_sum: number }[]>`
          SELECT zone_id, status, count(*)::int AS n, sum(score) AS score_sum
            FROM dashboard_trust
           WHERE zone_id IS NOT NULL AND (${ids}::text[] IS NULL OR zone_id = ANY(${ids}::text[]))
           GROUP BY zone_id, status`,
        prisma.$queryRaw<{ zone_id: string; n: number }[]>`
          SELECT t.zone_id, count(*)::int AS n
            FROM ticket k JOIN dashboard_trust t ON t.sensor_id = k.sensor_id
           WHERE k.status <> 'RESOLVED' AND t.zone_id IS NOT NULL
             AND (${ids}::text[] IS NULL OR t.zone_id = ANY(${ids}::text[]))
           GROUP BY t.zone_id`,
      ]);
      const open = new Map(tickets.map((t) => [t.zone_id, t.n]));
      const byZone = new Map<string, { counts: Partial<Record<TrustStatus, number>>; n: number; sum: number }>();
      for (const row of trust) {
        const zone = byZone.get(row.zone_id) ?? { counts: {}, n: 0, sum: 0 };
        byZone.set(row.zone_id, zone);
        zone.counts[row.status] = row.n;
        zone.n += row.n;
        zone.sum += Number(row.score_sum);
      }
      return zones.map(({ id, name }) => {
        const z = byZone.get(id) ?? { counts: {}, n: 0, sum: 0 };
        return {
          zoneId: id,
          zoneName: name,
          sensorCount: z.n,
          averageTrust: z.n ? z.sum / z.n : null,
          statusCounts: statusCounts(z.counts),
          openTickets: open.get(id) ?? 0,
        };
      });
    },

    async summary(now: Date): Promise<DashboardSummaryRow> {
      const hourAgo = new Date(now.getTime() - 3600_000);
      const [trust, tickets, readings] = await Promise.all([
        prisma.$queryRaw<{ status: TrustStatus; n: number; score_sum: number }[]>`
          SELECT status, count(*)::int AS n, sum(score) AS score_sum FROM dashboard_trust GROUP BY status`,
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
