import type { Resolvers } from '../../generated/graphql.js';
import { UserInputError } from '../../kernel/errors.js';
import { decodeCursor, encodeCursor, pageSize } from '../../graphql/pagination.js';
import { actorFrom } from './ticket-actor.js';
import {
  cursorValues,
  TICKET_ORDERS,
  type TicketCursor,
  type TicketOrder,
  type TicketRow,
} from './tickets-repository.js';

function ticketCursor(ticket: TicketRow, order: TicketOrder): string {
  const values = cursorValues(ticket, order).map((v) => (v instanceof Date ? v.toISOString() : v));
  return encodeCursor(JSON.stringify([order, ...values]));
}

const MAX_CURSOR_DATE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** A cursor belongs to one order: using it with another would skip or repeat tickets. */
function parseTicketCursor(cursor: string | null | undefined, order: TicketOrder): TicketCursor | null {
  const key = decodeCursor(cursor);
  if (key === null) return null;
  const invalid = () => new UserInputError(`Invalid cursor "${cursor}" for order ${order}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    throw invalid();
  }
  const keys = TICKET_ORDERS[order];
  if (!Array.isArray(parsed) || parsed[0] !== order || parsed.length !== keys.length + 1) throw invalid();
  return keys.map(([name], i) => {
    const value = parsed[i + 1] as unknown;
    // JSON can spell a NUL (\u0000) that the database would refuse: never in a cursor we issued.
    if (typeof value !== 'string' || value.includes('\u0000')) throw invalid();
    if (name !== 'openedAt' && name !== 'updatedAt') return value;
    const at = new Date(value);
    // Tickets are dated between 1970 and 9999; outside, PostgreSQL may refuse the date.
    if (!(at.getTime() >= 0 && at.getTime() <= MAX_CURSOR_DATE_MS)) throw invalid();
    return at;
  });
}

export const ticketsResolvers: Resolvers = {
  Query: {
    async tickets(_root, { filter, first, after, orderBy }, { services }) {
      const order = orderBy ?? 'OPENED_DESC';
      const page = await services.ticketsRepository.list(
        filter ?? {},
        pageSize(first),
        parseTicketCursor(after, order),
        order,
      );
      const last = page.rows.at(-1);
      return {
        nodes: page.rows,
        totalCount: page.totalCount,
        // With first: 0 the client keeps its place: the end cursor is where it started.
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? ticketCursor(last, order) : after || null },
      };
    },
    ticket: (_root, { id }, { services }) => services.ticketsRepository.findById(id),
    maintenanceWindows: (_root, args, { services }) => services.maintenanceRepository.list(args, services.clock.now()),
  },
  Mutation: {
    acknowledgeTicket: (_root, { id, note }, ctx) => ctx.services.tickets.acknowledge(id, actorFrom(ctx), note),
    assignTicket: (_root, { id, assignee }, ctx) => ctx.services.tickets.assign(id, actorFrom(ctx), assignee),
    startTicket: (_root, { id, note }, ctx) => ctx.services.tickets.start(id, actorFrom(ctx), note),
    commentTicket: (_root, { id, note }, ctx) => ctx.services.tickets.comment(id, actorFrom(ctx), note),
    resolveTicket: (_root, { id, note }, ctx) => ctx.services.tickets.resolve(id, actorFrom(ctx), note),
    bulkUpdateTickets: (_root, { input }, ctx) => ctx.services.tickets.bulk(input, actorFrom(ctx)),
    setTicketSeverity: (_root, { id, severity, note }, ctx) =>
      ctx.services.tickets.setSeverity(id, actorFrom(ctx), severity, note),
    scheduleMaintenance: (_root, { input }, ctx) => ctx.services.maintenance.schedule(input, actorFrom(ctx)),
    cancelMaintenance: (_root, { id }, ctx) => ctx.services.maintenance.cancel(id),
  },
  MaintenanceWindow: {
    active: (w, _args, { services }) => {
      const now = services.clock.now().getTime();
      return w.startsAt.getTime() <= now && now < w.endsAt.getTime();
    },
  },
};
