// Who is acting on a ticket: the API key's name ("operator" in open mode). Behind a
// reverse proxy that signs people in (TRUST_ACTOR_HEADER=true), the person named in
// `x-actor` instead, and only for keys that may act on tickets.
import type { AuthSettings } from '../../config.js';
import type { GraphQLContext } from '../../graphql/context.js';
import { UserInputError } from '../../kernel/errors.js';
import { callerOf } from '../auth/guard.js';
import { can } from '../auth/index.js';

/** What naming the actor needs of a request's context. */
export type ActorContext = Pick<GraphQLContext, 'auth' | 'reply'> & {
  services: { config: { auth: Pick<AuthSettings, 'trustActorHeader'> } };
};

export function actorFrom(ctx: ActorContext): string {
  const caller = callerOf(ctx);
  if (!ctx.services.config.auth.trustActorHeader || !can(caller.role, 'operate')) return caller.name;
  const header = ctx.reply?.request?.headers['x-actor'];
  const raw = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!raw) return caller.name;
  if (raw.length > 128) throw new UserInputError('x-actor header is too long (limit is 128 characters)');
  return raw;
}
