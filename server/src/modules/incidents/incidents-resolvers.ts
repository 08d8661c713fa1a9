import type { Resolvers } from '../../generated/graphql.js';
import { UserInputError } from '../../kernel/errors.js';
import { decodeCursor, encodeCursor, pageSize } from '../../graphql/pagination.js';
import { actorFrom } from '../tickets/ticket-actor.js';

type Keyed = { openedAt: Date; id: string };

const cursorOf = (row: Keyed) => encodeCursor(JSON.stringify([row.openedAt.toISOString(), row.id]));

function parseCursor(cursor: string | null | undefined): Keyed | null {
  const key = decodeCursor(cursor);
  if (key === null) return null;
  try {
    const [at, id] = JSON.parse(key) as [unknown, unknown];
    const openedAt = new Date(at as string);
    if (typeof at === 'string' && typeof id === 'string' && !Number.isNaN(openedAt.getTime())) return { openedAt, id };
  } catch {
    // falls through to the error below
  }
  throw new UserInputError(`Invalid cursor "${cursor}"`);
}

function connection<T extends Keyed>(
  page: { rows: T[]; hasNextPage: boolean; totalCount: number },
  after?: string | null,
) {
  const last = page.rows.at(-1);
  return {
    nodes: page.rows,
    totalCount: page.totalCount,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? cursorOf(last) : after || null },
  };
}

export const incidentsResolvers: Resolvers = {
  Query: {
    incidents: async (_root, { filter, first, after }, { services }) =>
      connection(await services.incidentsRepository.list(filter ?? {}, pageSize(first), parseCursor(after)), after),
    incident: (_root, { id }, { services }) => services.incidentsRepository.findById(id),
  },
  Mutation: {
    acknowledgeIncident: (_root, { id, note }, ctx) => ctx.services.incidents.acknowledge(id, actorFrom(ctx), note),
    resolveIncident: (_root, { id, note }, ctx) => ctx.services.incidents.resolve(id, actorFrom(ctx), note),
  },
  Incident: {
    cause: (i) => i.cause as never,
    status: (i) => i.status as never,
    zone: (i, _args, { services }) => (i.zoneId ? services.sensorsRepository.findZone(i.zoneId) : null),
    tickets: async (i, { first, after }, { services }) =>
      connection(await services.incidentsRepository.tickets(i.id, pageSize(first), parseCursor(after)), after),
  },
  Ticket: {
    incident: (t, _args, { services }) => (t.incidentId ? services.incidentsRepository.findById(t.incidentId) : null),
  },
};
