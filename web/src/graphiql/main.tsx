// GraphiQL served from this server's own build: no CDN, so it works on closed
// networks. Queries and subscriptions carry the signed-in API key.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { apiKeyHeaders } from '../app/api-key';

const socket = `${window.location.protocol === 'https:' ? 'wss:' : 'ws:'}//${window.location.host}/graphql`;

const fetcher = createGraphiQLFetcher({
  url: '/graphql',
  subscriptionUrl: socket,
  // Read on every request: signing in or out in the dashboard's tab takes effect at once.
  fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as object), ...apiKeyHeaders() } }),
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
