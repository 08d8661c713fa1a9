import type { Resolvers } from '../../generated/graphql.js';
import type { ModuleContext } from '../../graphql/context.js';
import { actorFrom, type ActorContext } from '../tickets/ticket-actor.js';

/** All the silences resolvers are given: their facade and what naming the actor needs. */
export type SilencesContext = ModuleContext<'silences'> & ActorContext;

export const silencesResolvers: Resolvers<SilencesContext> = {
  Query: {
    silences: (_root, { includePast }, { services }) => services.facades.silences.list(includePast ?? false),
  },
  Mutation: {
    silence: (_root, { target, until, note }, ctx) =>
      ctx.services.facades.silences.silence(target, until, note, actorFrom(ctx)),
    unsilence: (_root, { id }, { services }) => services.facades.silences.unsilence(id),
  },
  Silence: {
    active: (s, _args, { services }) => services.facades.silences.isActive(s),
  },
};
