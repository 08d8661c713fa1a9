// The tickets board: filter by status, severity and zone (kept in the URL),
// one column per lifecycle status, refreshed on every ticketUpdated push.
import { useQuery } from 'urql';
import { paths } from '../../app/router';
import { SEVERITY_ORDER } from '../../components/SeverityBadge';
import { FreshnessNote } from '../../components/FreshnessNote';
import { Empty, ErrorState, Loading } from '../../components/StatePanel';
import { TICKET_STATUSES, TicketStatusBadge, ticketStatusLabel } from '../../components/TicketStatusBadge';
import { graphql } from '../../gql';
import type { Severity, TicketStatus } from '../../gql/graphql';
import { useLiveQuery, useRefetchOn } from '../../live/use-live-query';
import { TicketCard } from './TicketCard';

export const TicketsBoardQuery = graphql(`
  query TicketsBoard($filter: TicketFilter) {
    tickets(filter: $filter, first: 200) {
      totalCount
      nodes {
        id
        status
        ...TicketCard_ticket
      }
    }
  }
`);

const ZoneOptionsQuery = graphql(`
  query ZoneOptions {
    zones {
      id
      name
    }
  }
`);

export const TicketsChangedSubscription = graphql(`
  subscription TicketsChanged($zoneId: ID) {
    ticketUpdated(zoneId: $zoneId) {
      id
    }
  }
`);

const ACTIVE: TicketStatus[] = ['OPEN', 'ACKNOWLEDGED', 'IN_PROGRESS'];

function listParam<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[], fallback: T[]): T[] {
  const raw = params.get(name);
  if (raw === null) return fallback;
  return raw.split(',').filter((v): v is T => (allowed as readonly string[]).includes(v));
}

export function TicketsPage({ params }: { params: URLSearchParams }) {
  const statuses = listParam(params, 'status', TICKET_STATUSES, ACTIVE);
  const severities = listParam(params, 'severity', SEVERITY_ORDER, []);
  const zoneId = params.get('zone') || null;

  const filter = {
    status: statuses.length ? statuses : null,
    severity: severities.length ? severities : null,
    zoneId,
  };
  const [result, refetch] = useLiveQuery({ query: TicketsBoardQuery, variables: { filter } });
  const [zones] = useQuery({ query: ZoneOptionsQuery });
  useRefetchOn(TicketsChangedSubscription, { zoneId }, refetch, 1000);

  const navigate = (next: { status?: TicketStatus[]; severity?: Severity[]; zone?: string | null }) => {
    const p: Record<string, string> = {};
    const s = next.status ?? statuses;
    const sev = next.severity ?? severities;
    const z = next.zone === undefined ? zoneId : next.zone;
    p.status = s.join(',');
    if (sev.length) p.severity = sev.join(',');
    if (z) p.zone = z;
    window.location.assign(paths.tickets(p));
  };
  const toggle = <T,>(list: T[], item: T) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);

  const nodes = result.data?.tickets.nodes ?? [];
  const columns = TICKET_STATUSES.filter((s) => statuses.length === 0 || statuses.includes(s));

  return (
    <div className="page">
      <header className="page-header">
        <h1>Tickets</h1>
        {result.data && <span className="muted">{result.data.tickets.totalCount} matching</span>}
      </header>
      <div className="filters" role="search" aria-label="Ticket filters">
        <fieldset className="chips">
          <legend>Status</legend>
          {TICKET_STATUSES.map((s) => (
            <label key={s} className={`chip ${statuses.includes(s) ? 'chip-on' : ''}`}>
              <input
                type="checkbox"
                checked={statuses.includes(s)}
                onChange={() => navigate({ status: toggle(statuses, s) })}
              />
              {ticketStatusLabel(s)}
            </label>
          ))}
        </fieldset>
        <fieldset className="chips">
          <legend>Severity</legend>
          {SEVERITY_ORDER.filter((s) => s !== 'NONE').map((s) => (
            <label key={s} className={`chip ${severities.includes(s) ? 'chip-on' : ''}`}>
              <input
                type="checkbox"
                checked={severities.includes(s)}
                onChange={() => navigate({ severity: toggle(severities, s) })}
              />
              {s.toLowerCase()}
            </label>
          ))}
        </fieldset>
        <label>
          Zone{' '}
          <select value={zoneId ?? ''} onChange={(e) => navigate({ zone: e.target.value || null })}>
            <option value="">all zones</option>
            {zones.data?.zones.map((z) => (
              <option key={z.id} value={z.id}>
                {z.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <FreshnessNote freshness={result.freshness} />
      {!result.data && result.fetching && <Loading what="tickets" />}
      {!result.data && result.error && <ErrorState error={result.error} what="tickets" />}
      {result.data && nodes.length === 0 && <Empty>No tickets match these filters.</Empty>}
      {result.data && nodes.length > 0 && (
        <div className="board" style={{ gridTemplateColumns: `repeat(${columns.length}, minmax(260px, 1fr))` }}>
          {columns.map((status) => {
            const inColumn = nodes.filter((t) => t.status === status);
            return (
              <section key={status} className="board-column" aria-label={ticketStatusLabel(status)}>
                <h2>
                  <TicketStatusBadge status={status} /> <span className="muted">{inColumn.length}</span>
                </h2>
                {inColumn.map((t) => (
                  <TicketCard key={t.id} ticket={t} />
                ))}
              </section>
            );
          })}
        </div>
      )}
    </div>
  );
}
