// Mercurius on Fastify: schema.graphql, resolvers, loaders, subscriptions over
// graphql-ws on the same path, errors with codes, and the limits on what one request
// or socket may ask for (query-limits.ts). (GraphiQL: http/web-app.ts.)
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import fastifyWebsocket from '@fastify/websocket';
import mercurius from 'mercurius';
import type { LimitSettings } from '../config.js';
import type { Services } from '../services.js';
import type { GraphQLContext } from './context.js';
import type { WebSocket } from 'ws';
import { createConnectionHeartbeat } from '../modules/subscriptions/connection-heartbeat.js';
import { createWsFanout } from '../modules/subscriptions/ws-fanout-transport.js';
import { presentedKey } from '../modules/auth/api-key-secret.js';
import { FAILURE_MESSAGES } from '../modules/auth/auth-service.js';
import { quietClientErrors } from '../compat/mercurius-socket-logs.js';
import { queryLoaderReply } from '../compat/mercurius.js';
import { formatErrors } from './error-formatter.js';
import {
  checkTokenLimit,
  costCheck,
  limitErrors,
  noSubscriptionOverHttpRule,
  queryLimitRules,
} from './query-limits.js';
import { installSingleCoercion } from '../compat/single-coercion.js';
import { refuseNulText } from './text-arguments.js';
import { buildLoaders, buildResolvers } from './resolvers.js';
import { projectPath } from '../project-paths.js';

export const SCHEMA_PATH = projectPath('schema.graphql');

/**
 * Operations sent over a WebSocket (queries and mutations run there too) count against
 * the same per-key budget as HTTP requests (@fastify/rate-limit's own store: Redis with
 * REDIS_URL), so a socket is no way around RATE_LIMIT_MAX. HTTP requests are counted by
 * the limiter's route hook; over the socket there is no route, so each operation is
 * counted here, as a request from the socket's key (or address).
 */
function socketRateLimit(app: FastifyInstance, limits: LimitSettings) {
  if (limits.rateLimitMax === 0 || !app.hasDecorator('createRateLimit')) return async () => undefined;
  const limiter = app.createRateLimit();
  return async (context: GraphQLContext): Promise<void> => {
    const session = context.wsSession;
    if (!session) return; // HTTP: counted by the route's hook
    // What the limiter's keyGenerator and allowList read of a request (abuse-limits.ts).
    const asRequest = { auth: context.auth ?? null, ip: session.ip, routeOptions: { config: {} } };
    const result = await limiter(asRequest as unknown as FastifyRequest);
    if (result.isAllowed || !result.isExceeded) return;
    throw new mercurius.ErrorWithProps(
      `Rate limit of ${result.max} requests per ${limits.rateLimitWindowMs / 1000} s exceeded; retry in ${result.ttlInSeconds} seconds`,
      { code: 'RATE_LIMITED', retryAfter: result.ttlInSeconds },
      429,
    );
  };
}

export interface GraphQLPluginOptions {
  services: Services;
}

export default fp<GraphQLPluginOptions>(
  async (app: FastifyInstance, options) => {
    const { services } = options;
    const heartbeat = createConnectionHeartbeat(services.config.wsKeepAliveMs);
    // Registered before Mercurius' own (which closes sockets with no code): clients
    // learn the server is going away (1001) and reconnect elsewhere.
    app.addHook('preClose', async () => heartbeat.closeAll());
    app.addHook('onClose', async () => heartbeat.stop());
    const coercion = installSingleCoercion(app);
    const { limits } = services.config;
    const fleet = services.fleetSizes;
    const recost = costCheck(limits, fleet);
    const limitRules = queryLimitRules(limits, {
      introspection: services.config.introspection,
      fleet,
      costed: recost.costed,
    });
    // Ours rather than Mercurius' (which allows 1 MiB messages): WS_MAX_PAYLOAD_BYTES.
    await app.register(fastifyWebsocket, {
      options: { maxPayload: limits.wsMaxPayloadBytes },
      // A client's protocol fault (a frame over the limit: ws closes with 1009) is logged
      // without a stack; anything else as @fastify/websocket's default handler does.
      errorHandler: (error, socket, request) => {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && code.startsWith('WS_ERR_')) {
          // ws has sent the close frame (1009, 1002…) and ends the connection itself.
          request.log.info({ code }, `WebSocket closed: ${error.message}`);
          return;
        }
        request.log.error(error);
        socket.terminate();
      },
    });
    app.socketSessions.attach(app.websocketServer);
    let wsRequests = 0;
    const wsFanout = createWsFanout(services.subscriptions.shared);
    await app.register(mercurius, {
      schema: readFileSync(SCHEMA_PATH, 'utf8'),
      resolvers: buildResolvers() as never,
      loaders: buildLoaders() as never,
      // Compiled queries (graphql-jit) from a document's second use; they coerce the
      // variables, once (compat/single-coercion.ts).
      jit: 1,
      // Mercurius' own GraphiQL loads React and GraphiQL from a CDN; ours is built with the web app.
      graphiql: false,
      path: '/graphql',
      validationRules: [...limitRules, noSubscriptionOverHttpRule],
      // Browsers' simple requests (no preflight) are refused: a form or image on another site
      // cannot query or post here. A JSON body, an Authorization header (never "simple") or a
      // WebSocket handshake (its key arrives in connection_init, not in cookies) passes.
      csrfPrevention: {
        requiredHeaders: ['x-mercurius-operation-name', 'mercurius-require-preflight', 'authorization', 'upgrade'],
      },
      context: (request) => ({ services, auth: request.auth }),
      subscription: {
        // Subscription resolvers read the subscription hub (modules/subscriptions),
        // which listens on this emitter once per topic and fans out in process.
        emitter: app.events.emitter,
        // Runs on connection_init: the key of connectionParams.authorization decides who the socket is.
        context: async (socket: WebSocket) => {
          heartbeat.track(socket);
          const session = app.socketSessions.session(socket);
          const key = presentedKey(session?.authorization);
          // AUTH_FAILURE_LIMIT, as on HTTP: an address over its budget is refused before
          // its key is looked up (a key that passed a check before still connects).
          const ip = session?.ip ?? 'unknown';
          const retryAfter = services.auth.vouched(key) ? 0 : app.authFailureLimit.retryAfter(ip);
          if (retryAfter > 0) {
            app.metrics?.authFailures.inc({ reason: 'rate_limited' });
            // (A close reason holds 123 bytes at most.)
            socket.close(4429, `Too many failed authentications (AUTH_FAILURE_LIMIT); retry in ${retryAfter} s`);
            return { services, auth: null };
          }
          const result = await services.auth.authenticate(key);
          if (!result.ok) {
            await app.authFailureLimit.fail(ip);
            app.metrics?.authFailures.inc({ reason: result.reason });
            socket.close(4401, FAILURE_MESSAGES[result.reason]);
            return { services, auth: null };
          }
          if (session && !app.socketSessions.bind(session, result.identity.keyId)) {
            socket.close(4429, 'Too many connections for this API key (WS_MAX_SOCKETS_PER_KEY)');
            return { services, auth: null };
          }
          return {
            services,
            auth: result.identity,
            wsSession: session,
            wsFanout,
            wsRequestId: `ws-${++wsRequests}`,
          };
        },
        // graphql-transport-ws pings (application level) on top of the ws-level heartbeat.
        keepAlive: services.config.wsKeepAliveMs || undefined,
        fullWsTransport: true,
      },
      errorFormatter: (execution, ctx) => formatErrors(execution, ctx, app.log, coercion),
    });
    coercion.attach();
    // After the coercion hook, which hands back a POSTed request's variables.
    app.graphql.addHook('preExecution', async (_schema, document, _context, variables) => {
      refuseNulText(document, variables as Record<string, unknown> | undefined);
    });
    quietClientErrors(app.log);
    const countSocketOperation = socketRateLimit(app, limits);
    app.graphql.addHook('preParsing', async (_schema, source, context) => {
      // graphql-ws queries and mutations (and app.graphql() callers) come without a reply:
      // give them the loaders an HTTP request has.
      const withReply = context as { reply?: unknown };
      if (withReply.reply === undefined) withReply.reply = queryLoaderReply(app, context);
      await countSocketOperation(context as GraphQLContext);
      checkTokenLimit(source, limits.maxTokens);
      await fleet.fresh();
    });
    app.graphql.addHook('preExecution', async (schema, document) => {
      recost.check(schema, document);
    });
    // Subscriptions over the socket skip Mercurius' validation rules: the same limits here.
    app.graphql.addHook('preSubscriptionParsing', async (_schema, source, context) => {
      await countSocketOperation(context as GraphQLContext);
      checkTokenLimit(source, limits.maxTokens);
      await fleet.fresh();
    });
    app.graphql.addHook('preSubscriptionExecution', async (schema, document) => {
      const [error] = limitErrors(schema, document, limitRules);
      if (error) {
        throw new mercurius.ErrorWithProps(error.message, {
          code: error.extensions?.code ?? 'GRAPHQL_VALIDATION_FAILED',
        });
      }
    });
  },
  { name: 'graphql', dependencies: ['database', 'pubsub', 'auth'] },
);
