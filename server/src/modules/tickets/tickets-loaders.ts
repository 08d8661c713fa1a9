import type { GraphQLContext } from '../../graphql/context.js';
import { byKey, groupBy, unique } from '../../graphql/loaders.js';
import type { TicketRow } from './tickets-repository.js';

type Query<P> = { obj: P };

export const ticketsLoaders = {
  Ticket: {
    async sensor(queries: Query<TicketRow>[], { services }: GraphQLContext) {
      const sensors = byKey(
        await services.sensorsRepository.sensorsByIds(unique(queries.map((q) => q.obj.sensorId))),
        (s) => s.id,
      );
      return queries.map((q) => sensors.get(q.obj.sensorId));
    },
    async events(queries: Query<TicketRow>[], { services }: GraphQLContext) {
      const events = groupBy(
        await services.ticketsRepository.eventsByTicketIds(queries.map((q) => q.obj.id)),
        (e) => e.ticketId,
      );
      return queries.map((q) => events.get(q.obj.id) ?? []);
    },
  },
};
