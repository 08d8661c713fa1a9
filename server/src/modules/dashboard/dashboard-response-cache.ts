// Serves repeated dashboard queries from their stored response bytes. Every
// operator's dashboard (and its polling fallback) sends the same few queries
// over dashboardSummary and zoneStats; between writes the answer is the same,
// so the second time skips GraphQL execution and JSON serialisation entirely.
//
// - Only POST /graphql whose single query operation selects nothing but
//   dashboardSummary, zoneStats (and __typename) at its root, with no errors.
// - Keyed by everything the response depends on: query text, operation name and
//   variables. The answer does not depend on the caller, but whether the caller
//   may have it does: the auth plugin has already refused requests without a
//   valid key (onRequest), and a stored answer goes only to a role that may read
//   dashboards (the same roles table GraphQL checks), else GraphQL runs and
//   answers FORBIDDEN.
// - Dropped by the same invalidation as the cached values (every write that
//   changes the dashboard, from any instance) and kept at most the cache TTL.
// - Registered only when the cache is in process: with REDIS_URL the shared
//   value cache is what keeps instances in agreement, and a per-instance copy of
//   the response could lag a write made on another instance.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { getOperationAST, Kind, OperationTypeNode, parse } from 'graphql';
import { operationNameOf, postedGraphQL } from '../../graphql/posted-body.js';
import { actionOf, can } from '../auth/index.js';
import type { DashboardService } from './dashboard-service.js';

const CACHEABLE_ROOT_FIELDS = new Set(['dashboardSummary', 'zoneStats', '__typename']);
const MAX_DOCUMENTS = 500;
/** What the cached root fields need (modules/auth/roles.ts). */
const CACHEABLE_ACTIONS = [actionOf('Query', 'dashboardSummary')!, actionOf('Query', 'zoneStats')!];

/** True when the document's operation reads only the cached dashboard fields. */
export function isDashboardOnlyQuery(query: string, operationName: string | null): boolean {
  let operation;
  try {
    operation = getOperationAST(parse(query, { noLocation: true }), operationName);
  } catch {
    return false; // Mercurius answers with the syntax error
  }
  if (!operation || operation.operation !== OperationTypeNode.QUERY) return false;
  return operation.selectionSet.selections.every(
    (s) => s.kind === Kind.FIELD && CACHEABLE_ROOT_FIELDS.has(s.name.value) && !s.directives?.length,
  );
}

const pending = new WeakMap<FastifyRequest, { key: string; since: number }>();

export default fp<{ dashboard: DashboardService }>(
  async (app: FastifyInstance, { dashboard }) => {
    // Query text → cacheable?, so each distinct document is parsed here once.
    const verdicts = new Map<string, boolean>();
    const cacheable = (query: string, operationName: string | null) => {
      const id = `${operationName ?? ''}\u0000${query}`;
      let verdict = verdicts.get(id);
      if (verdict === undefined) {
        verdict = isDashboardOnlyQuery(query, operationName);
        if (verdicts.size >= MAX_DOCUMENTS) verdicts.delete(verdicts.keys().next().value!);
        verdicts.set(id, verdict);
      }
      return verdict;
    };

    app.addHook('preHandler', async (request, reply) => {
      const body = postedGraphQL(request);
      if (!body || typeof body.query !== 'string') return;
      if (!request.auth || !CACHEABLE_ACTIONS.every((action) => can(request.auth!.role, action))) return;
      const operationName = operationNameOf(body);
      if (!cacheable(body.query, operationName)) return;
      const key = JSON.stringify([body.query, operationName, body.variables ?? null]);
      const hit = dashboard.cachedResponse(key);
      if (hit !== undefined)
        return reply.type('application/json; charset=utf-8').header('x-dashboard-cache', 'hit').send(hit);
      pending.set(request, { key, since: dashboard.generation() });
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const miss = pending.get(request);
      if (!miss) return payload;
      pending.delete(request);
      if (reply.statusCode === 200 && typeof payload === 'string' && !payload.includes('"errors"')) {
        dashboard.storeResponse(miss.key, payload, miss.since);
      }
      return payload;
    });
  },
  { name: 'dashboard-response-cache' },
);
