// Mercurius logs a subscription refused on the WebSocket at error level, with a stack:
// one refused by its resolver (FORBIDDEN, TOO_MANY_SUBSCRIPTIONS) or by graphql-js
// (bad variables, unknown operation). They are the client's fault, not the server's,
// and are answered to the client with their code; here they are logged at info
// without a stack, as the HTTP path does (graphql/error-formatter.ts). Anything else
// keeps its error level.
//
// Mercurius has no hook for this, so it leans on what it does internally
// (mercurius/lib/subscription-connection.js): it calls `fastify.log.error(errors)` on
// the instance's own logger object (the one `app.log` is), with graphql-js'
// `subscribe()` errors as the first argument. test/library-compat.test.ts fails if a
// refused subscription is logged otherwise.
import type { FastifyBaseLogger } from 'fastify';

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  originalError?: { name?: unknown; extensions?: { code?: unknown } } | null;
  extensions?: { code?: unknown };
}

/** A GraphQL error the client caused: graphql-js' own, or one raised with a client code. */
export function isClientGraphQLError(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  const err = value as ErrorLike;
  if (err.name !== 'GraphQLError' && !err.extensions) return false;
  const code = err.extensions?.code ?? err.originalError?.extensions?.code;
  if (typeof code === 'string') return code !== 'INTERNAL_SERVER_ERROR';
  // graphql-js' own (validation, variables, unknown operation): no original error.
  return err.name === 'GraphQLError' && (!err.originalError || err.originalError.name === 'GraphQLError');
}

function clientErrors(first: unknown): ErrorLike[] | null {
  const list = Array.isArray(first) ? (first as unknown[]) : [first];
  if (!list.length || !list.every(isClientGraphQLError)) return null;
  return list as ErrorLike[];
}

/** Logs client GraphQL errors given to `log.error` at info, with their codes and no stack. */
export function quietClientErrors(log: FastifyBaseLogger): void {
  const error = log.error;
  log.error = (first: unknown, ...rest: unknown[]) => {
    const errors = clientErrors(first);
    if (!errors) return Reflect.apply(error, log, [first, ...rest]) as void;
    const codes = errors.map(
      (e) => e.extensions?.code ?? e.originalError?.extensions?.code ?? 'GRAPHQL_VALIDATION_FAILED',
    );
    log.info({ codes }, `refused on a WebSocket: ${String(errors[0]?.message).slice(0, 300)}`);
  };
}
