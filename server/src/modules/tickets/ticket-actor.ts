// Who is acting. There is no authentication yet: an optional `x-actor` header names the
// person, else "operator". When auth lands it sets `actor` on the GraphQL context and
// this is the only place that needs to prefer it.
import type { GraphQLContext } from '../../graphql/context.js';
import { UserInputError } from '../../graphql/errors.js';

export const DEFAULT_ACTOR = 'operator';

export function actorFrom(ctx: GraphQLContext): string {
  const fromAuth = (ctx as GraphQLContext & { actor?: unknown }).actor;
  if (typeof fromAuth === 'string' && fromAuth) return fromAuth;
  const header = ctx.reply?.request?.headers['x-actor'];
  const raw = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!raw) return DEFAULT_ACTOR;
  if (raw.length > 128) throw new UserInputError('x-actor header is too long (limit is 128 characters)');
  return raw;
}
