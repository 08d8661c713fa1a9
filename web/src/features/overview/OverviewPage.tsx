// The fleet at a glance. The summary comes straight from dashboardUpdated pushes,
// ticket changes from ticketUpdated; zone tiles refetch when the dashboard changes.
import { useMemo } from 'react';
import { useSubscription } from 'urql';
import { useDocumentTitle } from '../../app/use-document-title';
import { FreshnessNote } from '../../components/FreshnessNote';
import { ErrorState, Loading } from '../../components/StatePanel';
import { graphql } from '../../gql';
import { useLiveQuery, useRefetchOn } from '../../live/use-live-query';
import { FleetSummary } from './FleetSummary';
import { FleetTrend } from './FleetTrend';
import { TicketActivity, type TicketActivityEntry } from './TicketActivity';
import { ZoneGrid } from './ZoneGrid';
import { OpenIncidents } from '../incidents/OpenIncidents';

export const OverviewQuery = graphql(`
  query Overview {
    dashboardSummary {
      generatedAt
      averageTrust
      openTickets
      ...FleetSummary_summary
    }
    zoneStats {
      ...ZoneTile_stats
    }
    tickets(first: 12) {
      nodes {
        id
        updatedAt
        ...TicketActivity_ticket
      }
    }
  }
`);

export const DashboardUpdatedSubscription = graphql(`
  subscription OverviewDashboardUpdated {
    dashboardUpdated {
      generatedAt
      averageTrust
      openTickets
      ...FleetSummary_summary
    }
  }
`);

export const OverviewTicketSubscription = graphql(`
  subscription OverviewTicketUpdated {
    ticketUpdated {
      id
      updatedAt
      ...TicketActivity_ticket
    }
  }
`);

const ACTIVITY_SIZE = 12;

export function OverviewPage() {
  const [result, refetch] = useLiveQuery({ query: OverviewQuery });
  const [pushed] = useSubscription({ query: DashboardUpdatedSubscription });
  // Zone tiles have no subscription of their own: the (coalesced) dashboard push says something changed.
  useRefetchOn(DashboardUpdatedSubscription, {}, refetch, 3000);
  const [ticketPush] = useSubscription(
    { query: OverviewTicketSubscription },
    (seen: TicketActivityEntry[] = [], event) =>
      [event.ticketUpdated, ...seen.filter((t) => t.id !== event.ticketUpdated.id)].slice(0, ACTIVITY_SIZE),
  );

  const data = result.data;
  useDocumentTitle('Overview');
  const summary = useMemo(() => {
    const fromQuery = data?.dashboardSummary;
    const fromPush = pushed.data?.dashboardUpdated;
    if (!fromPush) return fromQuery;
    if (!fromQuery) return fromPush;
    return Date.parse(fromPush.generatedAt) >= Date.parse(fromQuery.generatedAt) ? fromPush : fromQuery;
  }, [data, pushed.data]);

  const tickets = useMemo(() => {
    const byId = new Map<string, TicketActivityEntry & { updatedAt: string }>();
    for (const t of data?.tickets.nodes ?? []) byId.set(t.id, t);
    for (const t of (ticketPush.data ?? []) as (TicketActivityEntry & { updatedAt: string })[]) {
      const known = byId.get(t.id);
      if (!known || Date.parse(t.updatedAt) >= Date.parse(known.updatedAt)) byId.set(t.id, t);
    }
    return [...byId.values()].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt)).slice(0, ACTIVITY_SIZE);
  }, [data, ticketPush.data]);

  if (!data && result.fetching) return <Loading what="the fleet" />;
  if (!data && result.error) return <ErrorState error={result.error} what="the fleet" />;
  if (!data || !summary) return null;

  return (
    <div className="page overview">
      <h1 className="visually-hidden">Fleet overview</h1>
      <FreshnessNote freshness={result.freshness} />
      <FleetSummary summary={summary} />
      <OpenIncidents />
      <FleetTrend
        now={{ at: summary.generatedAt, averageTrust: summary.averageTrust ?? null, openTickets: summary.openTickets }}
      />
      <div className="overview-columns">
        <section className="panel" aria-labelledby="zones-heading">
          <h2 id="zones-heading">Zones</h2>
          <ZoneGrid zones={data.zoneStats} />
        </section>
        <section className="panel" aria-labelledby="activity-heading">
          <h2 id="activity-heading">Recent ticket activity</h2>
          <TicketActivity tickets={tickets} />
        </section>
      </div>
    </div>
  );
}
