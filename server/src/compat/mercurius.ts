// What we rely on in Mercurius beyond its documented options.
//
// 1. Loader symbols (for SSE and graphql-ws queries). Mercurius resolves the schema's
//    loader fields (Sensor.trust, Ticket.sensor, …) through `context.reply[kLoaders]`,
//    which only its own HTTP route and WebSocket subscriptions set up. Subscriptions over
//    another transport (Server-Sent Events, sse-transport.ts) build the same thing the
//    WebSocket path does (mercurius/lib/subscription-connection.js): the app's subscription
//    loader factory, uncached per event. Queries and mutations over graphql-ws run through
//    `app.graphql()` with no reply at all ("loaders only work via reply.graphql()"): they
//    get the HTTP route's factory (kFactory, one batch and cache per operation).
// 2. The shapes our error formatter (graphql/error-formatter.ts) replaces Mercurius'
//    default one on: every validation error of a request arrives wrapped in one error
//    (MER_ERR_GQL_VALIDATION) whose `originalError.errors` lists them, and the HTTP status
//    of an answer without data follows `defaultStatusCode` below, as Mercurius' default
//    formatter (mercurius/lib/errors.js) decides it.
// test/library-compat.test.ts checks each against the installed Mercurius; the SSE test
// selecting a loader field checks 1 end to end.
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ExecutionResult, GraphQLError } from 'graphql';

const symbols = createRequire(import.meta.url)('mercurius/lib/symbols') as {
  kLoaders: symbol;
  kFactory: symbol;
  kSubscriptionFactory: symbol;
};
export const { kLoaders, kFactory, kSubscriptionFactory } = symbols;

interface LoaderFactory {
  create(context: object): unknown;
}

/** The `reply` member a subscription's context needs for Mercurius loaders to work. */
export function subscriptionLoaderReply(app: FastifyInstance, request: FastifyRequest, context: object): object {
  const factory = (app as unknown as Record<symbol, LoaderFactory | undefined>)[kSubscriptionFactory];
  return { request, [kLoaders]: factory?.create(context) };
}

/**
 * The `reply` member an operation run through `app.graphql()` without an HTTP reply (a
 * graphql-ws query or mutation) needs for loaders: a fresh batch per operation, as on HTTP.
 * No `request`: the error formatter then names the operation by its socket request id.
 * `code` because Mercurius sets the status of an answer with errors on its reply.
 */
export function queryLoaderReply(app: FastifyInstance, context: object): object {
  const factory = (app as unknown as Record<symbol, LoaderFactory | undefined>)[kFactory];
  const reply = { [kLoaders]: factory?.create(context), code: () => reply };
  return reply;
}

/** The validation errors an error Mercurius wrapped them in carries, or null for any other error. */
export function wrappedValidationErrors(err: GraphQLError): GraphQLError[] | null {
  const inner = (err.originalError as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(inner) ? (inner as GraphQLError[]) : null;
}

/**
 * HTTP status Mercurius' default formatter gives an answer: 200 with data; without, the
 * execution's own statusCode, else — when exactly one error is reported (wrapped
 * validation errors counted one by one) — its `originalError.statusCode`, else 200.
 */
export function defaultStatusCode(execution: ExecutionResult & { statusCode?: number }): number {
  if (execution.data) return 200;
  if (execution.statusCode !== undefined) return execution.statusCode || 200;
  const all = execution.errors ?? [];
  const reported = all.reduce((n, e) => n + (wrappedValidationErrors(e)?.length ?? 1), 0);
  const own = (all[0]?.originalError as { statusCode?: unknown } | undefined)?.statusCode;
  return reported === 1 && typeof own === 'number' ? own : 200;
}
