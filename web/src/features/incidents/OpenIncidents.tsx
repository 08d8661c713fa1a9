// The overview's open incidents: one card per cause (a storm of tickets is one card).
import { Link, paths } from '../../app/router';
import { useLiveQuery, useRefetchOn } from '../../live/use-live-query';
import { IncidentCard } from './IncidentCard';
import { IncidentUpdatedSubscription, OpenIncidentsQuery } from './incident-queries';

export function useOpenIncidents() {
  const [result, refetch] = useLiveQuery({ query: OpenIncidentsQuery });
  useRefetchOn(IncidentUpdatedSubscription, {}, refetch, 1000);
  return result.data?.incidents ?? null;
}

export function OpenIncidents() {
  const incidents = useOpenIncidents();
  if (!incidents || incidents.totalCount === 0) return null;
  return (
    <section className="panel incidents-panel" aria-labelledby="incidents-heading" data-testid="open-incidents">
      <h2 id="incidents-heading">
        Open incidents ({incidents.totalCount}) <Link to={paths.incidents()}>all incidents</Link>
      </h2>
      <div className="incident-list">
        {incidents.nodes.map((i) => (
          <IncidentCard key={i.id} incident={i} />
        ))}
      </div>
    </section>
  );
}

/** True while the fleet is silent (an open FLEET_SILENT incident): the header says so instead of "Live". */
export function useFleetSilent(): boolean {
  const incidents = useOpenIncidents();
  return !!incidents?.nodes.some((i) => i.cause === 'FLEET_SILENT');
}
