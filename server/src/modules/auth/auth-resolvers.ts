// GraphQL for API keys and the caller: thin; the roles table guards every root field.
import type { Resolvers } from '../../generated/graphql.js';
import { callerOf } from './guard.js';
import type { Role } from './roles.js';

export const authResolvers: Resolvers = {
  Query: {
    viewer: (_root, _args, ctx) => {
      const { name, role, authRequired } = callerOf(ctx);
      return { name, role, authRequired };
    },
    apiKeys: (_root, _args, { services }) => services.auth.list(),
  },
  Mutation: {
    createApiKey: (_root, { name, role }, { services }) => services.auth.create(name, role),
    revokeApiKey: (_root, { id }, { services }) => services.auth.revoke(id),
  },
  ApiKey: {
    // The column's check constraint holds it to the enum's values.
    role: (key) => key.role as Role,
  },
};
