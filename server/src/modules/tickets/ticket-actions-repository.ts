// Writes of the manual ticket lifecycle (tickets-service.ts decides; this stores):
// one transaction per action, the ticket row locked first so concurrent actions on
// one ticket apply one after the other, each on fresh state.
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Severity } from '../../trust/types.js';
import type { TicketRow, TicketStatus } from './tickets-repository.js';

/** What an action is decided on: the locked ticket as committed. */
export interface LockedTicket {
  status: TicketStatus;
  severity: Severity;
  assignee: string | null;
  zoneId: string | null;
}

export interface TicketActionWrite {
  change: {
    status: TicketStatus;
    assignee?: string | null;
    resolvedAt?: Date;
    resolvedBy?: string;
    severity?: Severity;
    severityManual?: boolean;
  };
  event: { type: string; actor: string; note: string | null };
}

export function createTicketActionsRepository(prisma: PrismaClient) {
  return {
    /**
     * Locks ticket `id`, asks `decide` what to write (it may throw to refuse: nothing is
     * written), writes the change and its event at `at`. Null when there is no such ticket.
     */
    async apply(
      id: string,
      at: Date,
      decide: (current: LockedTicket) => TicketActionWrite,
    ): Promise<{ ticket: TicketRow; zoneId: string | null } | null> {
      return prisma.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<LockedTicket[]>`
          SELECT t.status::text AS status, t.severity::text AS severity, t.assignee, s.zone_id AS "zoneId"
            FROM ticket t JOIN sensor s ON s.id = t.sensor_id WHERE t.id = ${id} FOR UPDATE OF t`;
        const current = rows[0];
        if (!current) return null;
        const { change, event } = decide(current);
        const ticket = await tx.ticket.update({ where: { id }, data: { ...change, updatedAt: at } });
        await tx.ticketEvent.create({ data: { ticketId: id, at, ...event } });
        return { ticket, zoneId: current.zoneId };
      });
    },
  };
}

export type TicketActionsRepository = ReturnType<typeof createTicketActionsRepository>;
