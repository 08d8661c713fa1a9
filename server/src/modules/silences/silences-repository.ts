// Silences: rows of the silence table, and which are in force for sensors, zones and tickets.
import type { PrismaClient, Silence } from '../../generated/prisma/client.js';

export type SilenceRow = Silence;

export interface SilenceTargetIds {
  sensorId: string | null;
  ticketId: string | null;
  zoneId: string | null;
  incidentId: string | null;
}

export function createSilencesRepository(prisma: PrismaClient) {
  return {
    create(
      data: SilenceTargetIds & { until: Date; note: string; createdBy: string; createdAt: Date },
    ): Promise<SilenceRow> {
      return prisma.silence.create({ data });
    },

    findById(id: string): Promise<SilenceRow | null> {
      return prisma.silence.findUnique({ where: { id } });
    },

    /** Ends a silence now; null when it had already ended. */
    async endAt(id: string, now: Date): Promise<SilenceRow | null> {
      const { count } = await prisma.silence.updateMany({ where: { id, until: { gt: now } }, data: { until: now } });
      return count ? prisma.silence.findUnique({ where: { id } }) : null;
    },

    list(includePast: boolean, now: Date): Promise<SilenceRow[]> {
      return prisma.silence.findMany({
        where: includePast ? {} : { until: { gt: now }, createdAt: { lte: now } },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: 1000,
      });
    },

    /** Silences in force now whose target is one of these sensors, tickets or zones. */
    activeFor(
      targets: { sensorIds?: readonly string[]; ticketIds?: readonly string[]; zoneIds?: readonly string[] },
      now: Date,
    ): Promise<SilenceRow[]> {
      const or = [
        ...(targets.sensorIds?.length ? [{ sensorId: { in: [...targets.sensorIds] } }] : []),
        ...(targets.ticketIds?.length ? [{ ticketId: { in: [...targets.ticketIds] } }] : []),
        ...(targets.zoneIds?.length ? [{ zoneId: { in: [...targets.zoneIds] } }] : []),
      ];
      if (!or.length) return Promise.resolve([]);
      return prisma.silence.findMany({
        where: { until: { gt: now }, createdAt: { lte: now }, OR: or },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
    },
  };
}

export type SilencesRepository = ReturnType<typeof createSilencesRepository>;
