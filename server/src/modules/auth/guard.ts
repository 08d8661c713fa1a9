// The roles table applied to GraphQL: every root field's resolver (and every
// subscription's subscribe) is wrapped with the check, so HTTP, graphql-ws and
// compiled (graphql-jit) queries all pass through it. Subscriptions also count
// against the socket's limit while they run.
import mercurius from 'mercurius';
import type { GraphQLContext } from '../../graphql/context.js';
import { FAILURE_MESSAGES, type Identity } from './auth-service.js';
import { actionOf, argumentAction, can, NESTED_FIELD_POLICY, type Action } from './roles.js';

type ResolverMap = Record<string, Record<string, unknown>>;
type Resolver = (root: unknown, args: unknown, ctx: GraphQLContext, info: unknown) => unknown;

export class ForbiddenError extends mercurius.ErrorWithProps {
  constructor(identity: Identity, field: string) {
    super(`The API key "${identity.name}" (role ${identity.role}) may not use ${field}`, { code: 'FORBIDDEN' }, 403);
  }
}

/** The caller, or an UNAUTHENTICATED error (a context built without the auth plugin). */
export function callerOf(ctx: Pick<GraphQLContext, 'auth'>): Identity {
  if (!ctx.auth) throw new mercurius.ErrorWithProps(FAILURE_MESSAGES.missing, { code: 'UNAUTHENTICATED' }, 401);
  return ctx.auth;
}

function check(ctx: GraphQLContext, rootType: string, field: string, args?: unknown): void {
  const identity = callerOf(ctx);
  const action = actionOf(rootType, field);
  if (action === null || !can(identity.role, action)) forbid(ctx, identity, `${rootType}.${field}`);
  const byArgs = args === undefined ? null : argumentAction(rootType, field, args);
  if (byArgs !== null && !can(identity.role, byArgs)) forbid(ctx, identity, `${rootType}.${field} with a trust filter`);
}

function forbid(ctx: GraphQLContext, identity: Identity, what: string): never {
  ctx.app?.metrics?.authFailures.inc({ reason: 'forbidden' });
  throw new ForbiddenError(identity, what);
}

/**
 * A nested field's check. Every request reaching one passed a root field's check with the same
 * context; a context without a caller (a subscription's event, authorised when it subscribed)
 * is not checked again.
 */
function checkNested(ctx: GraphQLContext, type: string, field: string, action: Action): void {
  const identity = ctx.auth;
  if (identity && !can(identity.role, action)) forbid(ctx, identity, `${type}.${field}`);
}

/** Wraps the nested fields of NESTED_FIELD_POLICY in a resolver or loader map (loaders get (queries, ctx)). */
export function guardNestedFields(map: ResolverMap, kind: 'resolvers' | 'loaders'): ResolverMap {
  const out: ResolverMap = { ...map };
  for (const [type, fields] of Object.entries(NESTED_FIELD_POLICY)) {
    const current = map[type];
    if (!current) continue;
    out[type] = { ...current };
    for (const [field, action] of Object.entries(fields)) {
      const fn = current[field];
      if (typeof fn !== 'function') continue;
      out[type][field] =
        kind === 'loaders'
          ? // async: Mercurius' loader batch never settles when the loader throws synchronously
            async (queries: unknown, ctx: GraphQLContext) => {
              checkNested(ctx, type, field, action);
              return (fn as (q: unknown, c: GraphQLContext) => unknown)(queries, ctx);
            }
          : (root: unknown, args: unknown, ctx: GraphQLContext, info: unknown) => {
              checkNested(ctx, type, field, action);
              return (fn as Resolver)(root, args, ctx, info);
            };
    }
  }
  return out;
}

function countedSubscription(ctx: GraphQLContext, iterator: AsyncIterator<unknown>): AsyncIterableIterator<unknown> {
  const session = ctx.wsSession;
  if (!session) return iterator as AsyncIterableIterator<unknown>;
  session.subscriptions++;
  let released = false;
  const release = () => {
    if (!released) session.subscriptions--;
    released = true;
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      const result = await iterator.next();
      if (result.done) release();
      return result;
    },
    async return(value?: unknown) {
      release();
      return iterator.return ? iterator.return(value) : { done: true, value };
    },
    async throw(err?: unknown) {
      release();
      if (iterator.throw) return iterator.throw(err);
      throw err;
    },
  };
}

/** Wraps the root types' resolvers of a merged resolver map with the roles check. */
export function guardRootFields(resolvers: ResolverMap): ResolverMap {
  const out: ResolverMap = { ...resolvers };
  for (const rootType of ['Query', 'Mutation']) {
    const fields = resolvers[rootType];
    if (!fields) continue;
    out[rootType] = Object.fromEntries(
      Object.entries(fields).map(([field, resolve]) => [
        field,
        (root: unknown, args: unknown, ctx: GraphQLContext, info: unknown) => {
          check(ctx, rootType, field, args);
          return (resolve as Resolver)(root, args, ctx, info);
        },
      ]),
    );
  }
  const subscriptions = resolvers.Subscription;
  if (subscriptions) {
    out.Subscription = Object.fromEntries(
      Object.entries(subscriptions).map(([field, spec]) => {
        const { subscribe, ...rest } = spec as { subscribe: Resolver };
        return [
          field,
          {
            ...rest,
            subscribe: async (root: unknown, args: unknown, ctx: GraphQLContext, info: unknown) => {
              check(ctx, 'Subscription', field);
              const session = ctx.wsSession;
              if (session && session.subscriptions >= session.maxSubscriptions) {
                throw new mercurius.ErrorWithProps(
                  `This connection already has ${session.maxSubscriptions} subscriptions (WS_MAX_SUBSCRIPTIONS_PER_SOCKET)`,
                  { code: 'TOO_MANY_SUBSCRIPTIONS' },
                );
              }
              // Counted before the (asynchronous) subscribe, so subscriptions sent together
              // cannot all pass the check before any of them is counted.
              if (session) session.subscriptions++;
              let iterator: AsyncIterator<unknown>;
              try {
                iterator = (await subscribe(root, args, ctx, info)) as AsyncIterator<unknown>;
              } finally {
                if (session) session.subscriptions--;
              }
              return countedSubscription(ctx, iterator);
            },
          },
        ];
      }),
    );
  }
  return out;
}
