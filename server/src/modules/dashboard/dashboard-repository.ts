// Fleet and zone aggregates. A constant number of statements, none of which
// touches the readings table (readingsLastHour sums the per-minute rollup
// reading_minute kept by the ingestion transaction), so their cost depends on
// the number of sensors and open tickets, never on the number of readings.
import type { PrismaClient } from '../../generated/prisma/client.js';
import { SEVERITIES, TRUST_STATUSES, type Severity, type TrustStatus } from '../../trust/types.js';
import { onlyRow } from '../../db/rows.js';

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

// Each read is ONE statement returning ONE row holding a JSON document, built
// by a PL/pgSQL function (migration 20261128160000): decoding hundreds of rows
// through $queryRaw costs the Node process more than building them costs
// PostgreSQL, and PL/pgSQL keeps its plans per connection (no re-planning).
interface ZoneStatsDoc {
  /** [zoneId, name] in id order */
  zones: [string, string][] | null;
  /** [zoneId, status, count, scoreSum] */
  trust: [string, TrustStatus, number, number][] | null;
  /** [zoneId, open tickets] */
  tickets: [string, number][] | null;
}

interface SummaryDoc {
  /** [status, count, scoreSum] */
  trust: [TrustStatus, number, number][] | null;
  /** [severity, open tickets] */
  tickets: [Severity, number][] | null;
  readings: number | null;
}

/** One sample of the fleet's figures (the overview's trend). */
export interface FleetTrendRow {
  at: Date;
  sensorCount: number;
  averageTrust: number | null;
  openTickets: number;
  faulty: number;
  offline: number;
}

/** `reads`: where lag-tolerant reads go (a read replica when configured; db/read-replicas.ts). */
export function createDashboardRepository(prisma: PrismaClient, reads: PrismaClient = prisma) {
  return {
    /**
     * Stores the fleet's figures now as the sample of interval `at` (already rounded
     * down): one statement over dashboard_trust and the open tickets, a no-op when
     * another instance has stored this interval. Deletes samples older than `keepSince`.
     */
    async recordTrendSample(at: Date, keepSince: Date): Promise<void> {
      await prisma.$executeRaw`
        INSERT INTO fleet_trend_sample (at, sensor_count, average_trust, open_tickets, faulty, offline)
        SELECT ${at}::timestamptz, count(*)::int, avg(d.score),
               (SELECT count(*)::int FROM ticket o WHERE o.status <> 'RESOLVED'),
               (count(*) FILTER (WHERE d.status = 'FAULTY'))::int,
               (count(*) FILTER (WHERE d.status = 'OFFLINE'))::int
          FROM dashboard_trust d
        ON CONFLICT (at) DO NOTHING`;
      await prisma.$executeRaw`DELETE FROM fleet_trend_sample WHERE at < ${keepSince}::timestamptz`;
    },

    /** Samples from `since` to `until`, oldest first. */
    trend(since: Date, until: Date): Promise<FleetTrendRow[]> {
      return reads.fleetTrendSample.findMany({
        where: { at: { gte: since, lte: until } },
        orderBy: { at: 'asc' },
      });
    },

    /**
     * Stats of the given zones (all zones when null), in zone id order, in one
     * statement (dashboard_zone_stats) over dashboard_trust: one narrow row per sensor with its zone,
     * kept by triggers (migration 20261128150000), so nothing scans the wide,
     * constantly rewritten trust_state rows or joins every sensor.
     */
    async zoneStats(zoneIds: readonly string[] | null): Promise<ZoneStatsRow[]> {
      const ids = zoneIds ? [...zoneIds] : null;
      const rows = await reads.$queryRaw<{ doc: string }[]>`SELECT dashboard_zone_stats(${ids}::text[]) AS doc`;
      const doc = JSON.parse(onlyRow(rows, 'dashboard_zone_stats').doc) as ZoneStatsDoc;
      const open = new Map(doc.tickets ?? []);
      const byZone = new Map<
        string,
        { counts: Partial<Record<TrustStatus, number>>; n: number; reporting: number; sum: number }
      >();
      for (const [zoneId, status, n, sum] of doc.trust ?? []) {
        const zone = byZone.get(zoneId) ?? { counts: {}, n: 0, reporting: 0, sum: 0 };
        byZone.set(zoneId, zone);
        zone.counts[status] = n;
        zone.n += n;
        // A silent (OFFLINE) or never-judged (UNKNOWN) sensor's score says nothing about now:
        // a zone whose sensors are all OFFLINE has no average trust, not the old one.
        if (status === 'OFFLINE' || status === 'UNKNOWN') continue;
        zone.reporting += n;
        zone.sum += sum;
      }
      return (doc.zones ?? []).map(([id, name]) => {
        const z = byZone.get(id) ?? { counts: {}, n: 0, reporting: 0, sum: 0 };
        return {
          zoneId: id,
          zoneName: name,
          sensorCount: z.n,
          averageTrust: z.reporting ? z.sum / z.reporting : null,
          statusCounts: statusCounts(z.counts),
          openTickets: open.get(id) ?? 0,
        };
      });
    },

    /** Fleet summary in one statement; readingsLastHour sums the 60 rollup minutes ending at `now`. */
    async summary(now: Date): Promise<DashboardSummaryRow> {
      const hourAgo = new Date(now.getTime() - 3600_000);
      const rows = await reads.$queryRaw<
        { doc: string }[]
      >`SELECT dashboard_summary(${hourAgo}::timestamptz, ${now}::timestamptz) AS doc`;
      const doc = JSON.parse(onlyRow(rows, 'dashboard_summary').doc) as SummaryDoc;
      const counts: Partial<Record<TrustStatus, number>> = {};
      let sensorCount = 0;
      let scoreSum = 0;
      for (const [status, n, sum] of doc.trust ?? []) {
        counts[status] = n;
        sensorCount += n;
        scoreSum += sum;
      }
      const bySeverity = new Map(doc.tickets ?? []);
      return {
        sensorCount,
        averageTrust: sensorCount ? scoreSum / sensorCount : null,
        statusCounts: statusCounts(counts),
        openTickets: [...bySeverity.values()].reduce((sum, n) => sum + n, 0),
        openTicketsBySeverity: SEVERITIES.map((severity) => ({ severity, count: bySeverity.get(severity) ?? 0 })),
        readingsLastHour: Number(doc.readings ?? 0),
        generatedAt: now.toISOString(),
      };
    },
  };
}

export type DashboardRepository = ReturnType<typeof createDashboardRepository>;
