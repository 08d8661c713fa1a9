// Reads of tickets and their events. (Writes live with the ticket service.)
import type { Prisma, PrismaClient, Ticket, TicketEvent } from '../../generated/prisma/client.js';
import type { Severity } from '../../trust/types.js';

export type TicketRow = Ticket;
export type TicketEventRow = TicketEvent;
export type TicketStatus = Ticket['status'];

export interface TicketListFilter {
  status?: TicketStatus[] | null;
  severity?: Severity[] | null;
  zoneId?: string | null;
  sensorId?: string | null;
}

export interface TicketCursor {
  openedAt: Date;
  id: string;
}

function ticketWhere(filter: TicketListFilter): Prisma.TicketWhereInput {
  const where: Prisma.TicketWhereInput = {};
  if (filter.status?.length) where.status = { in: filter.status };
  if (filter.severity?.length) where.severity = { in: filter.severity };
  if (filter.sensorId) where.sensorId = filter.sensorId;
  if (filter.zoneId) where.sensor = { zoneId: filter.zoneId };
  return where;
}

export function createTicketsRepository(prisma: PrismaClient) {
  return {
    findById(id: string): Promise<TicketRow | null> {
      return prisma.ticket.findUnique({ where: { id } });
    },

    /** Newest first, keyset-paginated on (openedAt desc, id). */
    async list(filter: TicketListFilter, first: number, after: TicketCursor | null) {
      const where = ticketWhere(filter);
      const page: Prisma.TicketWhereInput = after
        ? {
            OR: [{ openedAt: { lt: after.openedAt } }, { openedAt: after.openedAt, id: { gt: after.id } }],
          }
        : {};
      const [rows, totalCount] = await Promise.all([
        prisma.ticket.findMany({
          where: { AND: [where, page] },
          orderBy: [{ openedAt: 'desc' }, { id: 'asc' }],
          take: first + 1,
        }),
        prisma.ticket.count({ where }),
      ]);
      return { rows: rows.slice(0, first), hasNextPage: rows.length > first, totalCount };
    },

    eventsByTicketIds(ids: readonly string[]): Promise<TicketEventRow[]> {
      return prisma.ticketEvent.findMany({
        where: { ticketId: { in: [...ids] } },
        orderBy: [{ at: 'asc' }, { id: 'asc' }],
      });
    },

    bySensorIds(ids: readonly string[], status: TicketStatus[] | null): Promise<TicketRow[]> {
      return prisma.ticket.findMany({
        where: { sensorId: { in: [...ids] }, ...(status?.length ? { status: { in: status } } : {}) },
        orderBy: [{ openedAt: 'desc' }, { id: 'asc' }],
      });
    },
  };
}

export type TicketsRepository = ReturnType<typeof createTicketsRepository>;
