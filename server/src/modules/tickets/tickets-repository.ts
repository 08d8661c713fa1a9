// Reads of tickets and their events. (Manual writes: ticket-actions-repository.ts;
// automation's: ticket-automation-repository.ts, ticket-sweep-repository.ts.)
import type { Prisma, PrismaClient, Ticket, TicketEvent } from '../../generated/prisma/client.js';
import type { Severity } from '../../trust/types.js';
import { SEVERITIES } from '../../trust/types.js';

export type TicketRow = Ticket;
export type TicketEventRow = TicketEvent;
export type TicketStatus = Ticket['status'];

export interface TicketListFilter {
  status?: TicketStatus[] | null;
  severity?: Severity[] | null;
  zoneId?: string | null;
  sensorId?: string | null;
  /** Case-insensitive text in the title, sensor id, sensor name or assignee. */
  search?: string | null;
  /** Exact (case-insensitive) assignee; '' means unassigned. */
  assignee?: string | null;
}

export type TicketOrder = 'OPENED_DESC' | 'OPENED_ASC' | 'UPDATED_DESC' | 'SEVERITY_DESC';

type SortKey = 'openedAt' | 'updatedAt' | 'severity' | 'id';
type Direction = 'asc' | 'desc';

/** Every order ends on id, so the keyset is total and a cursor names one place. */
export const TICKET_ORDERS: Record<TicketOrder, [SortKey, Direction][]> = {
  OPENED_DESC: [
    ['openedAt', 'desc'],
    ['id', 'asc'],
  ],
  OPENED_ASC: [
    ['openedAt', 'asc'],
    ['id', 'asc'],
  ],
  UPDATED_DESC: [
    ['updatedAt', 'desc'],
    ['id', 'asc'],
  ],
  SEVERITY_DESC: [
    ['severity', 'desc'],
    ['openedAt', 'desc'],
    ['id', 'asc'],
  ],
};

/** The sort-key values of the last row of a page, in the order's key order. */
export type TicketCursor = (string | Date)[];

export function cursorValues(row: TicketRow, order: TicketOrder): TicketCursor {
  return TICKET_ORDERS[order].map(([key]) => row[key]);
}

function ticketWhere(filter: TicketListFilter): Prisma.TicketWhereInput {
  const and: Prisma.TicketWhereInput[] = [];
  if (filter.status?.length) and.push({ status: { in: filter.status } });
  if (filter.severity?.length) and.push({ severity: { in: filter.severity } });
  if (filter.sensorId) and.push({ sensorId: filter.sensorId });
  if (filter.zoneId) and.push({ sensor: { zoneId: filter.zoneId } });
  if (filter.assignee === '') and.push({ assignee: null });
  else if (filter.assignee) and.push({ assignee: { equals: filter.assignee.trim(), mode: 'insensitive' } });
  const text = filter.search?.trim();
  if (text) {
    const contains = { contains: text, mode: 'insensitive' as const };
    and.push({
      OR: [{ title: contains }, { sensorId: contains }, { assignee: contains }, { sensor: { name: contains } }],
    });
  }
  return { AND: and };
}

/** Strictly after `value` in `direction` (severity is an enum: compared by rank). */
function after(key: SortKey, direction: Direction, value: string | Date): Prisma.TicketWhereInput {
  if (key === 'severity') {
    const rank = SEVERITIES.indexOf(value as Severity);
    const beyond = direction === 'desc' ? SEVERITIES.slice(0, rank) : SEVERITIES.slice(rank + 1);
    return { severity: { in: beyond } };
  }
  return { [key]: direction === 'desc' ? { lt: value } : { gt: value } };
}

/** Keyset condition: rows after the cursor in the order (k1 > v1) OR (k1 = v1 AND k2 > v2) OR … */
function afterCursor(order: TicketOrder, cursor: TicketCursor): Prisma.TicketWhereInput {
  const keys = TICKET_ORDERS[order].map(([key, direction], i) => {
    const value = cursor[i];
    // parseTicketCursor checks the cursor has one value per key of its order
    if (value === undefined) throw new Error(`cursor has no value for ${key} in order ${order}`);
    return { key, direction, value };
  });
  return {
    OR: keys.map(({ key, direction, value }, i) => ({
      AND: [...keys.slice(0, i).map((k) => ({ [k.key]: k.value })), after(key, direction, value)],
    })),
  };
}

export function createTicketsRepository(prisma: PrismaClient) {
  return {
    findById(id: string): Promise<TicketRow | null> {
      return prisma.ticket.findUnique({ where: { id } });
    },

    /** Keyset-paginated in the given order (newest opened first by default). */
    async list(
      filter: TicketListFilter,
      first: number,
      cursor: TicketCursor | null,
      order: TicketOrder = 'OPENED_DESC',
    ) {
      const where = ticketWhere(filter);
      const [rows, totalCount] = await Promise.all([
        prisma.ticket.findMany({
          where: cursor ? { AND: [where, afterCursor(order, cursor)] } : where,
          orderBy: TICKET_ORDERS[order].map(([key, direction]) => ({ [key]: direction })),
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
