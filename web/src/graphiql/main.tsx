// GraphiQL served from this server's own build: no CDN, so it works on closed
// networks. Queries and subscriptions carry the signed-in API key.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import './graphiql-page.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { apiKeyHeaders } from '../app/api-key';

const socket = `${window.location.protocol === 'https:' ? 'wss:' : 'ws:'}//${window.location.host}/graphql`;

/**
 * The server caps query depth at 12; graphql-js 16.13+ asks for type references
 * 9 levels deep in its introspection query, which exceeds it. 6 levels describe
 * any type of this schema ([ID!]! needs 3), so GraphiQL's schema query is sent
 * with that.
 */
function typeRef(levels: number): string {
  return levels === 0 ? 'kind name' : `kind name ofType { ${typeRef(levels - 1)} }`;
}

function fitIntrospection(body: BodyInit | null | undefined): BodyInit | null | undefined {
  if (typeof body !== 'string' || !body.includes('IntrospectionQuery')) return body;
  const request = JSON.parse(body) as { query?: string; operationName?: string };
  if (request.operationName !== 'IntrospectionQuery' || !request.query) return body;
  const at = request.query.indexOf('fragment TypeRef on __Type');
  if (at < 0) return body;
  return JSON.stringify({
    ...request,
    query: `${request.query.slice(0, at)}fragment TypeRef on __Type { ${typeRef(6)} }`,
  });
}

const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  subscriptionUrl: socket,
  // Read on every request: signing in or out in the dashboard's tab takes effect at once.
  fetch: (input, init) =>
    fetch(input, {
      ...init,
      body: fitIntrospection(init?.body),
      headers: { ...(init?.headers as object), ...apiKeyHeaders() },
    }),
  wsConnectionParams: () => apiKeyHeaders(),
});

const example = `# Sensor Trust API. The Docs pane (top left) describes every type and field.
{
  dashboardSummary { sensorCount averageTrust openTickets }
  sensors(filter: { status: [DEGRADED, FAULTY, OFFLINE] }, first: 10) {
    totalCount
    nodes { id name trust { score status reasons { kind message } } }
  }
}
`;

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultQuery={example} />
  </StrictMode>,
);
