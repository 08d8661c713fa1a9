// Reads of the current trust per sensor and its history.
import type { PrismaClient, TrustState } from '../../generated/prisma/client.js';
import type { Severity, TrustReason, TrustStatus } from '../../trust/types.js';
import type { SensorRow } from '../sensors/index.js';

/** A sensor's current trust as readers see it (the engine state left out). */
export type TrustRow = Omit<TrustState, 'engineState'>;

/**
 * A sensor row that carries its trust row, loaded together with it (sensorUpdated deliveries
 * load both once per event for every subscriber): `null` = no trust row yet. Without it the
 * loaders below ran one statement per delivered event and subscriber.
 */
export type SensorWithTrust = SensorRow & { loadedTrust?: TrustRow | null };

/** Shape served as the GraphQL TrustScore. */
export interface TrustScoreRow {
  sensorId: string;
  score: number;
  status: TrustStatus;
  severity: Severity;
  reasons: {
    kind: TrustReason['kind'];
    severity: Severity;
    message: string;
    since: Date | null;
    active: boolean;
    clearedAt: Date | null;
    advisory: boolean;
  }[];
  lastEvaluated: Date | null;
}

/** Reasons are stored as JSON with `since`/`clearedAt` in epoch ms (the trust core's shape). */
export function toTrustScoreRow(
  row: Pick<TrustState, 'sensorId' | 'score' | 'status' | 'severity' | 'reasons' | 'lastEvaluated'>,
): TrustScoreRow {
  const reasons = Array.isArray(row.reasons) ? (row.reasons as unknown as TrustReason[]) : [];
  return {
    sensorId: row.sensorId,
    score: row.score,
    status: row.status,
    severity: row.severity,
    // Reasons stored before `active`/`clearedAt`/`advisory` existed were all active, full reasons.
    reasons: reasons.map((r) => ({
      ...r,
      since: r.since === null || r.since === undefined ? null : new Date(r.since),
      active: r.active ?? true,
      clearedAt: r.clearedAt === null || r.clearedAt === undefined ? null : new Date(r.clearedAt),
      advisory: r.advisory ?? false,
    })),
    lastEvaluated: row.lastEvaluated,
  };
}

export const INITIAL_TRUST: Omit<TrustScoreRow, 'sensorId'> = {
  score: 50,
  status: 'UNKNOWN',
  severity: 'NONE',
  reasons: [],
  lastEvaluated: null,
};

/** `reads`: where lag-tolerant reads go (a read replica when configured; db/read-replicas.ts). */
export function createTrustRepository(prisma: PrismaClient, reads: PrismaClient = prisma) {
  return {
    /** Current trust rows, without the engine state (kilobytes per sensor that readers never use). */
    async bySensorIds(ids: readonly string[]): Promise<Map<string, TrustRow>> {
      const rows = await prisma.trustState.findMany({
        where: { sensorId: { in: [...ids] } },
        omit: { engineState: true },
      });
      return new Map(rows.map((r) => [r.sensorId, r]));
    },

    /** Sensors in service only, unless `filter.retired` asks for the retired ones. */
    async list(filter: {
      zoneId?: string | null;
      kind?: string | null;
      status?: TrustStatus[] | null;
      retired?: boolean | null;
    }) {
      return prisma.trustState.findMany({
        where: {
          ...(filter.status?.length ? { status: { in: filter.status } } : {}),
          sensor: {
            retiredAt: filter.retired ? { not: null } : null,
            ...(filter.zoneId ? { zoneId: filter.zoneId } : {}),
            ...(filter.kind ? { kind: filter.kind } : {}),
          },
        },
        orderBy: { sensorId: 'asc' },
      });
    },

    history(sensorId: string, from: Date | null, to: Date | null, limit = 5000) {
      return reads.trustPoint.findMany({
        where: { sensorId, at: { ...(from ? { gte: from } : {}), ...(to ? { lte: to } : {}) } },
        orderBy: { at: 'asc' },
        take: limit,
        select: { at: true, score: true, status: true },
      });
    },
  };
}

export type TrustRepository = ReturnType<typeof createTrustRepository>;
