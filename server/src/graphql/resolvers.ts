// Merges every module's resolvers and loaders into what Mercurius serves.
import type { Resolvers } from '../generated/graphql.js';
import { dashboardResolvers } from '../modules/dashboard/dashboard-resolvers.js';
import { subscriptionsResolvers } from '../modules/subscriptions/subscriptions-resolvers.js';
import { sensorsLoaders } from '../modules/sensors/sensors-loaders.js';
import { sensorsResolvers } from '../modules/sensors/sensors-resolvers.js';
import { ticketsLoaders } from '../modules/tickets/tickets-loaders.js';
import { ticketsResolvers } from '../modules/tickets/tickets-resolvers.js';
import { trustResolvers } from '../modules/trust/trust-resolvers.js';
import { readingsResolvers } from '../modules/readings/readings-resolvers.js';
import { incidentsResolvers } from '../modules/incidents/incidents-resolvers.js';
import { silencesLoaders } from '../modules/silences/silences-loaders.js';
import { silencesResolvers } from '../modules/silences/silences-resolvers.js';
import { notificationsResolvers } from '../modules/notifications/notifications-resolvers.js';
import { DateTimeScalar } from './scalars.js';
import { authResolvers } from '../modules/auth/auth-resolvers.js';
import { guardNestedFields, guardRootFields } from '../modules/auth/guard.js';

type ResolverMap = Record<string, Record<string, unknown>>;

function merge(...maps: ResolverMap[]): ResolverMap {
  const out: ResolverMap = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) {
      for (const field of Object.keys(fields)) {
        if (out[type]?.[field]) throw new Error(`Resolver ${type}.${field} is defined twice`);
      }
      out[type] = { ...out[type], ...fields };
    }
  }
  return out;
}

/**
 * Every module's resolvers, each root field (and each nested field that reads more than the
 * registry) behind the roles check (modules/auth/roles.ts).
 */
export function buildResolvers(): ResolverMap {
  return guardNestedFields(
    guardRootFields(
      merge(
        { DateTime: DateTimeScalar } as unknown as ResolverMap,
        ...([
          sensorsResolvers,
          trustResolvers,
          ticketsResolvers,
          incidentsResolvers,
          dashboardResolvers,
          readingsResolvers,
          notificationsResolvers,
          silencesResolvers,
          subscriptionsResolvers,
          authResolvers,
        ] as Resolvers[] as ResolverMap[]),
      ),
    ),
    'resolvers',
  );
}

export function buildLoaders(): ResolverMap {
  return guardNestedFields(merge(sensorsLoaders, ticketsLoaders, silencesLoaders), 'loaders');
}
