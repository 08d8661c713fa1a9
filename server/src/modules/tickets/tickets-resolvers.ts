import type { Resolvers } from '../../generated/graphql.js';
import { UserInputError } from '../../graphql/errors.js';
import { decodeCursor, encodeCursor, pageSize } from '../../graphql/pagination.js';
import { actorFrom } from './ticket-actor.js';
import type { TicketCursor, TicketRow } from './tickets-repository.js';

function ticketCursor(ticket: TicketRow): string {
  return encodeCursor(`${ticket.openedAt.toISOString()}|${ticket.id}`);
}

function parseTicketCursor(cursor: string | null | undefined): TicketCursor | null {
  const key = decodeCursor(cursor);
  if (key === null) return null;
  const [at, id] = key.split('|');
  const openedAt = new Date(at);
  if (!id || Number.isNaN(openedAt.getTime())) throw new UserInputError(`Invalid cursor "${cursor}"`);
  return { openedAt, id };
}

export const ticketsResolvers: Resolvers = {
  Query: {
    async tickets(_root, { filter, first, after }, { services }) {
      const page = await services.ticketsRepository.list(filter ?? {}, pageSize(first), parseTicketCursor(after));
      const last = page.rows.at(-1);
      return {
        nodes: page.rows,
        totalCount: page.totalCount,
        // With first: 0 the client keeps its place: the end cursor is where it started.
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? ticketCursor(last) : after || null },
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
