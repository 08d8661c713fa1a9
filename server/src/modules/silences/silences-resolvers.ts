import type { Resolvers } from '../../generated/graphql.js';
import { actorFrom } from '../tickets/ticket-actor.js';

export const silencesResolvers: Resolvers = {
  Query: {
    silences: (_root, { includePast }, { services }) =>
      services.silencesRepository.list(includePast ?? false, services.clock.now()),
  },
  Mutation: {
    silence: (_root, { target, until, note }, ctx) =>
      ctx.services.silences.silence(target, until, note, actorFrom(ctx)),
    unsilence: (_root, { id }, ctx) => ctx.services.silences.unsilence(id),
  },
  Silence: {
    active: (s, _args, { services }) => {
      const now = services.clock.now().getTime();
      return s.createdAt.getTime() <= now && now < s.until.getTime();
    },
  },
};
