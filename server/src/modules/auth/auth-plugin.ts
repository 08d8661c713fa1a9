// Access on every path: an onRequest hook resolves the caller from
// `Authorization: Bearer <key>` before anything else runs (body parsing, the
// stored dashboard responses, GraphQL), answering 401 UNAUTHENTICATED without a
// valid key. Open: /healthz, /readyz, the web app's files and GraphiQL's page
// (they hold no data), /metrics with METRICS_PUBLIC=true, and a real WebSocket
// upgrade, whose key comes in connection_init (socket-sessions.ts). /metrics needs a
// role that may read (ROUTE_POLICY in roles.ts). In open mode (OPEN_MODE, or no key ever
// created: auth-service.ts) the server serves callers without a key, on a loopback HOST
// only, and refuses what a page of another site could send it (open-mode-guard.ts).
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AuthSettings } from '../../config.js';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../../db/unavailable.js';
import { presentedKey } from './api-key-secret.js';
import { FAILURE_MESSAGES, type AuthFailureReason, type AuthService, type Identity } from './auth-service.js';
import { foreignBrowserRequest, isLoopback } from './open-mode-guard.js';
import { createSocketSessions, type SocketSessions } from './socket-sessions.js';
import { createKeyStreams, type KeyStreams } from './key-streams.js';
import { can, ROUTE_POLICY } from './roles.js';
import { AUTH_FAILURE_WINDOW_MS, createAuthFailureLimit, type AuthFailureLimit } from './auth-failure-limit.js';
import type { LimitSettings } from '../../config.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller; null on open routes. */
    auth: Identity | null;
  }
  interface FastifyInstance {
    socketSessions: SocketSessions;
    /** SSE streams by key, ended when their key is revoked (key-streams.ts). */
    keyStreams: KeyStreams;
    /** AUTH_FAILURE_LIMIT: failed authentications per address (auth-failure-limit.ts). */
    authFailureLimit: AuthFailureLimit;
  }
  interface FastifyContextConfig {
    /** Served without a key (files of the web app). */
    public?: boolean;
  }
}

export class AuthSetupError extends Error {
  override name = 'AuthSetupError';
}

const PUBLIC_ROUTES = new Set(['/healthz', '/readyz', '/graphiql', '/graphiql/*']);
const WS_INIT_TIMEOUT_MS = 10_000;

export interface AuthPluginOptions {
  auth: AuthService;
  settings: AuthSettings;
  limits: LimitSettings;
  host: string;
  /** CORS_ORIGINS: other origins whose pages may use the API (open mode checks them too). */
  corsOrigins: readonly string[];
}

function refuse(request: FastifyRequest, reply: FastifyReply, reason: AuthFailureReason) {
  request.server.metrics?.authFailures.inc({ reason });
  const message = FAILURE_MESSAGES[reason];
  reply.code(401).header('www-authenticate', 'Bearer');
  if (request.routeOptions.url === '/graphql') {
    return reply.send({ data: null, errors: [{ message, extensions: { code: 'UNAUTHENTICATED', reason } }] });
  }
  return reply.send({ error: 'Unauthorized', code: 'UNAUTHENTICATED', message });
}

/** Too many failed authentications from this address: refused before its key is looked up. */
export function authFailureLimitMessage(max: number, retryAfter: number): string {
  return `Too many failed authentications from this address (AUTH_FAILURE_LIMIT ${max} per ${AUTH_FAILURE_WINDOW_MS / 1000} s); retry in ${retryAfter} seconds`;
}

function throttle(request: FastifyRequest, reply: FastifyReply, max: number, retryAfter: number) {
  request.server.metrics?.authFailures.inc({ reason: 'rate_limited' });
  const message = authFailureLimitMessage(max, retryAfter);
  reply.code(429).header('retry-after', String(retryAfter));
  if (request.routeOptions.url === '/graphql') {
    return reply.send({ data: null, errors: [{ message, extensions: { code: 'RATE_LIMITED', retryAfter } }] });
  }
  return reply.send({ error: 'Too Many Requests', code: 'RATE_LIMITED', message });
}

/** A valid key whose role may not use this route (ROUTE_POLICY): 403 FORBIDDEN. */
function forbidRoute(request: FastifyRequest, reply: FastifyReply, route: string) {
  request.server.metrics?.authFailures.inc({ reason: 'forbidden' });
  const { name, role } = request.auth!;
  return reply.code(403).send({
    error: 'Forbidden',
    code: 'FORBIDDEN',
    message: `The API key "${name}" (role ${role}) may not use ${route}`,
  });
}

function refuseForeign(request: FastifyRequest, reply: FastifyReply, message: string) {
  request.server.metrics?.authFailures.inc({ reason: 'foreign_origin' });
  reply.code(403);
  if (request.headers.upgrade) {
    // A refused WebSocket handshake: its socket has left the HTTP server's care (nothing
    // would close it but the client), so it ends with the answer.
    reply.header('connection', 'close');
    reply.raw.once('finish', () => request.raw.socket.end());
  }
  if (request.routeOptions.url === '/graphql') {
    return reply.send({ data: null, errors: [{ message, extensions: { code: 'FORBIDDEN' } }] });
  }
  return reply.send({ error: 'Forbidden', code: 'FORBIDDEN', message });
}

/** Says at start-up how callers are admitted; refuses to start open on a HOST others reach. */
async function announceMode(app: FastifyInstance, auth: AuthService, host: string): Promise<void> {
  if (!auth.required) {
    const why = auth.openMode
      ? 'OPEN_MODE=true'
      : 'no API key has ever been created here (the first one ends open mode for good)';
    if (!isLoopback(host)) {
      throw new AuthSetupError(
        `The API would run open (${why}) and HOST=${host} is reachable from other machines, so the server will not start. ` +
          (auth.openMode
            ? 'Unset OPEN_MODE (or set HOST=127.0.0.1).'
            : 'Create an admin key first (`npm run apikey -- create --role admin --name admin`, with the same DATA_DIR or DATABASE_URL) ' +
              'or set ADMIN_API_KEY, then send it as "Authorization: Bearer <key>".'),
      );
    }
    app.log.warn(
      `No API key is needed: the API is open to anyone on this machine as ADMIN (HOST=${host}; ${why}). ` +
        (auth.openMode
          ? 'Unset OPEN_MODE to require keys.'
          : 'Create one with `npm run apikey -- create --role admin --name admin` to require keys.'),
    );
    return;
  }
  if ((await auth.activeKeyCount()) > 0) return;
  app.log.warn(
    (auth.keysExisted
      ? 'Every API key is revoked, and the API stays closed (it never reopens by itself once keys existed). '
      : 'No API key exists and OPEN_MODE=false: every request is refused. ') +
      'Create a key with `npm run apikey -- create --role admin --name admin` (same DATA_DIR or DATABASE_URL), ' +
      'or set a new ADMIN_API_KEY; OPEN_MODE=true serves this machine without keys.',
  );
}

export default fp<AuthPluginOptions>(
  async (app: FastifyInstance, { auth, settings, limits, host, corsOrigins }) => {
    await auth.init();
    await announceMode(app, auth, host);

    const sessions = createSocketSessions({
      maxSocketsPerKey: limits.wsMaxSocketsPerKey,
      maxSubscriptionsPerSocket: limits.wsMaxSubscriptionsPerSocket,
      initTimeoutMs: WS_INIT_TIMEOUT_MS,
    });
    app.decorate('socketSessions', sessions);
    const streams = createKeyStreams();
    app.decorate('keyStreams', streams);
    const failures = createAuthFailureLimit(app, limits.authFailureLimit);
    app.decorate('authFailureLimit', failures);
    app.decorateRequest('auth', null);
    // Requests that arrived as real WebSocket upgrades: marked before @fastify/websocket
    // routes them (prependListener), so a GET that only names the header is authenticated.
    const upgrades = new WeakSet<IncomingMessage>();
    app.server.prependListener('upgrade', (raw: IncomingMessage) => upgrades.add(raw));

    app.addHook('onRequest', async (request, reply) => {
      const route = request.routeOptions.url;
      if (route === undefined || PUBLIC_ROUTES.has(route) || request.routeOptions.config?.public) return;
      // CORS preflights carry no credentials (and answer nothing but headers).
      if (request.method === 'OPTIONS') return;
      if (route === '/metrics' && settings.metricsPublic) return;
      if (!auth.required) {
        const foreign = foreignBrowserRequest(request.headers, corsOrigins);
        if (foreign) return refuseForeign(request, reply, foreign);
      }
      // A WebSocket upgrade (the server's 'upgrade' event, not a header a plain GET can carry):
      // its key comes in connection_init.
      if (route === '/graphql' && request.method === 'GET' && upgrades.has(request.raw)) return;
      const key = presentedKey(request.headers.authorization);
      // An address over its failure budget: refused before its key is looked up, unless
      // the key passed a check before (behind a proxy many clients share one address).
      if (!auth.vouched(key)) {
        const retryAfter = failures.retryAfter(request.ip);
        if (retryAfter > 0) return throttle(request, reply, limits.authFailureLimit, retryAfter);
      }
      let result;
      try {
        result = await auth.authenticate(key);
      } catch (err) {
        if (!isDatabaseUnavailable(err)) throw err;
        // The key could not be looked up: not the caller's fault, and not a refusal.
        request.log.warn({ reason: (err as Error).message }, 'database unavailable while checking an API key');
        const body = { code: 'SERVICE_UNAVAILABLE', message: DATABASE_UNAVAILABLE_MESSAGE };
        reply.code(503).header('retry-after', '5');
        if (route === '/graphql')
          return reply.send({ data: null, errors: [{ message: body.message, extensions: { code: body.code } }] });
        return reply.send({ error: 'Service Unavailable', ...body });
      }
      if (!result.ok) {
        await failures.fail(request.ip);
        return refuse(request, reply, result.reason);
      }
      request.auth = result.identity;
      const needs = ROUTE_POLICY[route];
      if (needs !== undefined && !can(result.identity.role, needs)) return forbidRoute(request, reply, route);
    });

    // A revoked key's sockets and streams end at once here, within AUTH_RECHECK_SECONDS elsewhere.
    const endKey = (keyId: string) => {
      sessions.closeKey(keyId, 4403, 'API key revoked');
      streams.endKey(keyId);
    };
    auth.onRevoke(endKey);
    const recheck = setInterval(() => {
      void (async () => {
        await auth.refreshMode();
        const held = [...new Set([...sessions.keyIds(), ...streams.keyIds()])];
        for (const keyId of await auth.invalidKeyIds(held)) endKey(keyId);
      })().catch((err: unknown) => app.log.warn({ err }, 'API key recheck failed; retrying next period'));
    }, settings.recheckMs);
    recheck.unref();
    app.addHook('onClose', async () => clearInterval(recheck));
  },
  { name: 'auth', dependencies: ['database'] },
);
