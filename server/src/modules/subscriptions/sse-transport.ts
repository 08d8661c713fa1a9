// The four subscriptions over Server-Sent Events at /graphql/stream, for clients that
// cannot hold a WebSocket: the graphql-sse protocol (graphql-sse, its maintained
// implementation), "distinct connections" mode: POST { query, variables } with
// `Accept: text/event-stream`, then `next` events and one `complete`. The same schema,
// resolvers, filters and backpressure as the WebSocket path (the subscription hub);
// only subscriptions (queries and mutations go to POST /graphql). Streams are ended
// when the server shuts down.
//
// Access is the HTTP path's: the auth plugin's onRequest hook refuses a request without
// a valid `Authorization: Bearer <key>` (401) before this handler runs, and the caller
// it resolved goes into the context, where the roles guard checks each subscription
// field exactly as on the WebSocket (FORBIDDEN arrives as an error event). A stream ends
// when its key is revoked, like the key's WebSockets (auth/key-streams.ts): at once on this
// instance, within AUTH_RECHECK_SECONDS on others, with a last UNAUTHENTICATED error event.
//
// What a subscription may ask for is limited as on the other paths (graphql/query-limits.ts:
// tokens, depth, aliases, cost, and introspection when switched off): graphql-sse validates
// with graphql-js' own rules only, so a document over a limit is refused here, before the
// stream opens, with 400 and the limit's code; so is anything else graphql-sse would refuse
// or report without a code (sse-requests.ts; syntax and validation errors here). A key holds at most WS_MAX_SOCKETS_PER_KEY
// streams open at once (counted apart from its WebSockets; 429 TOO_MANY_CONNECTIONS beyond).
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createHandler } from 'graphql-sse/lib/use/fastify';
import { graphql } from '../../compat/graphql-js.js';
import { subscriptionLoaderReply } from '../../compat/mercurius.js';
import { checkTokenLimit, limitErrors, queryLimitRules } from '../../graphql/query-limits.js';
import { toClientError } from '../../graphql/error-formatter.js';
import { cutMessage } from '../../graphql/request-errors.js';
import { sseRequestFault } from './sse-requests.js';
import type { Services } from '../../services.js';

export const SSE_PATH = '/graphql/stream';

const jsonErrors = (status: number, errors: { message: string; code: string }[]) =>
  [
    JSON.stringify({ errors: errors.map(({ message, code }) => ({ message, extensions: { code } })) }),
    {
      status,
      statusText: errors[0]?.code ?? 'BAD_REQUEST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    },
  ] as const;
const jsonError = (status: number, message: string, code: string) => jsonErrors(status, [{ message, code }]);

/** The stream's last words when its key is revoked: an error result, `complete`, and the end. */
const REVOKED_EVENT = `event: next\ndata: ${JSON.stringify({
  errors: [{ message: 'The API key has been revoked', extensions: { code: 'UNAUTHENTICATED', reason: 'revoked' } }],
})}\n\nevent: complete\ndata:\n\n`;

function endRevoked(res: ServerResponse): void {
  if (res.writableEnded) return;
  if (res.headersSent) res.end(REVOKED_EVENT);
  else res.writeHead(401, { 'content-type': 'application/json; charset=utf-8' }).end();
}

export default fp<{ services: Services }>(
  async (app: FastifyInstance, { services }) => {
    const open = new Set<ServerResponse>();
    /** Open streams per API key (open mode, without keys: not counted, as for sockets). */
    const perKey = new Map<string, number>();
    const { limits, introspection } = services.config;
    const limitRules = queryLimitRules(limits, { introspection, fleet: services.fleetSizes });
    const started = new WeakMap<object, number>();
    const handler = createHandler({
      // Distinct connections mode only: no stream token, so no reservations. graphql-sse's
      // default reads the token from a header, and its fastify adapter answers a missing
      // header with the string "undefined": every client shared one token, and a single
      // PUT plus a held GET made every other subscriber's stream answer 409.
      authenticate: () => undefined as unknown as string,
      schema: () => app.graphql.schema,
      validate: graphql.validate,
      execute: graphql.execute,
      subscribe: graphql.subscribe,
      onSubscribe: async (req, params) => {
        started.set(req.raw, performance.now());
        await services.fleetSizes.fresh();
        const source = typeof params.query === 'string' ? params.query : '';
        try {
          checkTokenLimit(source, limits.maxTokens);
        } catch (err) {
          const { message, extensions } = err as { message: string; extensions?: { code?: string } };
          return [...jsonError(400, message, extensions?.code ?? 'BAD_REQUEST')];
        }
        let document;
        try {
          document = graphql.parse(source);
        } catch (err) {
          return [...jsonError(400, cutMessage((err as Error).message), 'GRAPHQL_PARSE_FAILED')];
        }
        const operation = graphql.getOperationAST(document, params.operationName);
        if (operation && operation.operation !== graphql.OperationTypeNode.SUBSCRIPTION)
          return [
            ...jsonError(
              400,
              `${SSE_PATH} serves subscriptions; send queries and mutations to POST /graphql`,
              'BAD_REQUEST',
            ),
          ];
        const limited = limitErrors(app.graphql.schema, document, limitRules);
        if (limited.length > 0) {
          return [
            ...jsonErrors(
              400,
              limited.map((e) => ({
                message: e.message,
                code: typeof e.extensions?.code === 'string' ? e.extensions.code : 'GRAPHQL_VALIDATION_FAILED',
              })),
            ),
          ];
        }
        // graphql-sse would validate too, but report the errors inside a stream, without a code.
        const invalid = graphql.validate(app.graphql.schema, document);
        if (invalid.length > 0)
          return [
            ...jsonErrors(
              400,
              invalid.map((e) => ({ message: cutMessage(e.message), code: 'GRAPHQL_VALIDATION_FAILED' })),
            ),
          ];
        return undefined;
      },
      // Errors inside the stream (variables that do not coerce, FORBIDDEN, a failing resolver)
      // are formatted as on POST /graphql: a code each, long values cut, anything unexpected
      // masked with the request id its log line has.
      // sensor_trust_graphql_request_duration_seconds{transport="sse"}: from the checks above
      // to the subscription running (its stream then lasts as long as the client wants).
      onOperation: (_ctx, req, args) => {
        const since = started.get(req.raw);
        if (since === undefined) return;
        started.delete(req.raw);
        const name = graphql.getOperationAST(args.document, args.operationName)?.name?.value ?? null;
        app.metrics.observeOperation('sse', name, (performance.now() - since) / 1000);
      },
      onNext: (_ctx, req, result) => {
        if (!('errors' in result) || !result.errors?.length) return undefined;
        const request = req.raw;
        const errors = result.errors.map((e) => toClientError(e, request.log, request.id));
        return { ...result, errors } as unknown as typeof result;
      },
      context: (req) => {
        const context = { services, app, auth: req.raw.auth };
        return { ...context, reply: subscriptionLoaderReply(app, req.raw, context) };
      },
    });

    app.route({
      method: ['GET', 'POST'],
      url: SSE_PATH,
      handler: async (request, reply) => {
        const refused = sseRequestFault(request);
        if (refused) {
          request.log.info({ code: refused.code, status: refused.status }, refused.message);
          return reply
            .code(refused.status)
            .send({ errors: [{ message: refused.message, extensions: { code: refused.code } }] });
        }
        const keyId = request.auth?.keyId ?? null;
        if (keyId !== null) {
          const held = perKey.get(keyId) ?? 0;
          if (held >= limits.wsMaxSocketsPerKey) {
            return reply.code(429).send({
              errors: [
                {
                  message: `This API key already holds ${held} open streams (WS_MAX_SOCKETS_PER_KEY)`,
                  extensions: { code: 'TOO_MANY_CONNECTIONS' },
                },
              ],
            });
          }
          perKey.set(keyId, held + 1);
        }
        reply.hijack();
        open.add(reply.raw);
        // Revoked (here, or found by the periodic recheck): a last error event, then the end.
        const untrack = keyId === null ? () => undefined : app.keyStreams.add(keyId, () => endRevoked(reply.raw));
        reply.raw.once('close', () => {
          open.delete(reply.raw);
          untrack();
          if (keyId === null) return;
          const left = (perKey.get(keyId) ?? 1) - 1;
          if (left > 0) perKey.set(keyId, left);
          else perKey.delete(keyId);
        });
        try {
          await handler(request, reply);
        } catch (err) {
          request.log.error({ err }, 'SSE stream failed');
          if (!reply.raw.headersSent) reply.raw.writeHead(500).end();
          else reply.raw.end();
        }
      },
    });
    // Streams are long-lived requests: end them so that close() does not wait on them.
    app.addHook('preClose', async () => {
      for (const res of open) res.end();
    });
  },
  { name: 'sse-transport', dependencies: ['graphql'] },
);
