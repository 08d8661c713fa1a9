// Reads of incidents (writes: incident-grouping-repository.ts inside ticket automation's
// transaction, incidents-service.ts for people's actions and the notification tick).
import type { Incident, PrismaClient } from '../../generated/prisma/client.js';

export type IncidentRow = Incident;

export interface IncidentListFilter {
  status?: string[] | null;
  cause?: string[] | null;
  zoneId?: string | null;
}

export function createIncidentsRepository(prisma: PrismaClient) {
  const where = (f: IncidentListFilter) => ({
    ...(f.status?.length ? { status: { in: f.status } } : {}),
    ...(f.cause?.length ? { cause: { in: f.cause } } : {}),
    ...(f.zoneId ? { zoneId: f.zoneId } : {}),
  });
  return {
    findById: (id: string) => prisma.incident.findUnique({ where: { id } }),

    /** Newest first, keyset on (openedAt desc, id). */
    async list(filter: IncidentListFilter, first: number, after: { openedAt: Date; id: string } | null) {
      const base = where(filter);
      const page = after
        ? {
            OR: [{ openedAt: { lt: after.openedAt } }, { openedAt: after.openedAt, id: { gt: after.id } }],
          }
        : {};
      const [rows, totalCount] = await Promise.all([
        prisma.incident.findMany({
          where: { ...base, ...page },
          orderBy: [{ openedAt: 'desc' }, { id: 'asc' }],
          take: first + 1,
        }),
        prisma.incident.count({ where: base }),
      ]);
      return { rows: rows.slice(0, first), hasNextPage: rows.length > first, totalCount };
    },

    /** Its tickets, newest first, keyset on (openedAt desc, id). */
    async tickets(incidentId: string, first: number, after: { openedAt: Date; id: string } | null) {
      const page = after
        ? { OR: [{ openedAt: { lt: after.openedAt } }, { openedAt: after.openedAt, id: { gt: after.id } }] }
        : {};
      const [rows, totalCount] = await Promise.all([
        prisma.ticket.findMany({
          where: { incidentId, ...page },
          orderBy: [{ openedAt: 'desc' }, { id: 'asc' }],
          take: first + 1,
        }),
        prisma.ticket.count({ where: { incidentId } }),
      ]);
      return { rows: rows.slice(0, first), hasNextPage: rows.length > first, totalCount };
    },
  };
}

export type IncidentsRepository = ReturnType<typeof createIncidentsRepository>;
