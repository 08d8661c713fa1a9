// #/incidents: every incident, newest first; #/incidents/:id: one incident and its tickets.
import { useMutation } from 'urql';
import { Link, paths } from '../../app/router';
import { useDocumentTitle } from '../../app/use-document-title';
import { useCan } from '../../app/use-permission';
import { MutationError } from '../../components/MutationError';
import { Empty, ErrorState, Loading } from '../../components/StatePanel';
import { useLiveQuery, useRefetchOn } from '../../live/use-live-query';
import { TicketCard } from '../tickets/TicketCard';
import { IncidentCard } from './IncidentCard';
import {
  AcknowledgeIncidentMutation,
  IncidentListQuery,
  IncidentQuery,
  IncidentUpdatedSubscription,
  ResolveIncidentMutation,
} from './incident-queries';

export function IncidentsPage() {
  useDocumentTitle('Incidents');
  const [result, refetch] = useLiveQuery({ query: IncidentListQuery, variables: { first: 100 } });
  useRefetchOn(IncidentUpdatedSubscription, {}, refetch, 1000);
  if (!result.data && result.fetching) return <Loading what="incidents" />;
  if (!result.data && result.error) return <ErrorState error={result.error} what="incidents" />;
  const incidents = result.data?.incidents;
  return (
    <div className="page">
      <h1>Incidents</h1>
      {!incidents?.nodes.length ? (
        <Empty>No incidents: no tickets have shared a cause.</Empty>
      ) : (
        <div className="incident-list">
          {incidents.nodes.map((i) => (
            <IncidentCard key={i.id} incident={i} />
          ))}
        </div>
      )}
    </div>
  );
}

export function IncidentPage({ incidentId }: { incidentId: string }) {
  const [result, refetch] = useLiveQuery({ query: IncidentQuery, variables: { id: incidentId } });
  useRefetchOn(IncidentUpdatedSubscription, {}, refetch, 1000);
  const [ack, acknowledge] = useMutation(AcknowledgeIncidentMutation);
  const [res, resolve] = useMutation(ResolveIncidentMutation);
  const operator = useCan('operate');
  useDocumentTitle('Incident');
  if (!result.data && result.fetching) return <Loading what="the incident" />;
  if (!result.data && result.error) return <ErrorState error={result.error} what="the incident" />;
  const incident = result.data?.incident;
  if (!incident)
    return (
      <Empty>
        No incident “{incidentId}”. <Link to={paths.incidents()}>All incidents</Link>
      </Empty>
    );
  return (
    <div className="page">
      <p>
        <Link to={paths.incidents()}>← All incidents</Link>
      </p>
      <IncidentCard incident={incident} />
      {operator && incident.status !== 'RESOLVED' && (
        <div className="ticket-actions">
          {incident.status === 'OPEN' && (
            <button type="button" disabled={ack.fetching} onClick={() => void acknowledge({ id: incident.id })}>
              Acknowledge incident
            </button>
          )}
          <button
            type="button"
            disabled={res.fetching}
            onClick={() => void resolve({ id: incident.id, note: 'Resolved from the incident page' })}
          >
            Resolve incident and its tickets
          </button>
          <MutationError error={ack.error ?? res.error} />
        </div>
      )}
      <h2>Tickets ({incident.tickets.totalCount})</h2>
      <div className="ticket-list">
        {incident.tickets.nodes.map((t) => (
          <TicketCard key={t.id} ticket={t} />
        ))}
      </div>
    </div>
  );
}
