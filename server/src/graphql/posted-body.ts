// The parsed body of a POST to the GraphQL endpoint, for hooks that look at a
// request before Mercurius runs it; null for anything else (GET, other routes).
import type { FastifyRequest } from 'fastify';

export interface PostedGraphQL {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

export function postedGraphQL(request: FastifyRequest): PostedGraphQL | null {
  if (request.method !== 'POST' || request.routeOptions.url !== '/graphql') return null;
  const body = request.body;
  return body && typeof body === 'object' ? body : null;
}

/** The operation name the request asks for, or null. */
export const operationNameOf = (body: PostedGraphQL): string | null =>
  typeof body.operationName === 'string' ? body.operationName : null;
