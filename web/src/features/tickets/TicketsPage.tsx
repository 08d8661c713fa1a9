// The tickets board: filters, text search, assignee and order in the URL; a page
// of tickets at a time by cursor, one column per lifecycle status; select tickets
// to act on them together. Refreshed on every ticketUpdated push.
import { useMemo, useState } from 'react';
import { navigate, paths } from '../../app/router';
import { useDocumentTitle } from '../../app/use-document-title';
import { FreshnessNote } from '../../components/FreshnessNote';
import { Empty, ErrorState, Loading } from '../../components/StatePanel';
import { TICKET_STATUSES, TicketStatusBadge, ticketStatusLabel } from '../../components/TicketStatusBadge';
import { graphql, useFragment } from '../../gql';
import { useLiveQuery, useRefetchOn } from '../../live/use-live-query';
import { BulkBar } from './BulkBar';
import { faultStillActive, TicketCard, TicketCardFragment } from './TicketCard';
import { TicketFilters } from './TicketFilters';
import { boardQuery, readBoardParams, ticketFilter, type BoardParams } from './ticket-board-params';
import { can, useAuth } from '../../app/auth-store';
import { DownloadButton } from '../history/DownloadButtons';
import { ticketsExportUrl } from '../history/download';

export const PAGE_SIZE = 50;

export const TicketsBoardQuery = graphql(`
  query TicketsBoard($filter: TicketFilter, $first: Int, $after: String, $orderBy: TicketOrder) {
    tickets(filter: $filter, first: $first, after: $after, orderBy: $orderBy) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      nodes {
        id
        status
        title
        ...TicketCard_ticket
      }
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

export function TicketsPage({ params: search }: { params: URLSearchParams }) {
  const params = readBoardParams(search);
  const [result, refetch] = useLiveQuery({
    query: TicketsBoardQuery,
    variables: { filter: ticketFilter(params), first: PAGE_SIZE, after: params.after, orderBy: params.sort },
  });
  useRefetchOn(TicketsChangedSubscription, { zoneId: params.zone }, refetch, 1000);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  // Bulk actions only for roles that may act on tickets (the gate has always named the caller).
  const who = useAuth();
  const mayAct = !who || can(who.role, 'operate');

  const change = (next: Partial<BoardParams>, options?: { replace?: boolean }) =>
    navigate(paths.tickets(boardQuery({ ...params, after: null, page: 1, ...next })), options);

  const connection = result.data?.tickets;
  useDocumentTitle(connection ? `Tickets (${connection.totalCount})` : 'Tickets');
  const nodes = useMemo(() => connection?.nodes ?? [], [connection]);
  const titles = useMemo(() => new Map(nodes.map((t) => [t.id, t.title])), [nodes]);
  const cards = useFragment(TicketCardFragment, nodes);
  const live = useMemo(
    () =>
      new Set(
        cards
          .filter((t) => t.status !== 'RESOLVED' && faultStillActive(t.kind, t.sensor.trust.reasons))
          .map((t) => t.id),
      ),
    [cards],
  );
  const columns = TICKET_STATUSES.filter((s) => params.status.length === 0 || params.status.includes(s));
  const allOnPage = nodes.length > 0 && nodes.every((t) => selected.has(t.id));
  const toggle = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const selectPage = (on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      for (const t of nodes) {
        if (on) next.add(t.id);
        else next.delete(t.id);
      }
      return next;
    });

  const from = (params.page - 1) * PAGE_SIZE + 1;
  return (
    <div className="page">
      <header className="page-header">
        <h1>Tickets</h1>
        {connection && (
          <span className="muted" data-testid="ticket-count">
            {connection.totalCount} matching
            {connection.totalCount > 0 && ` · showing ${from}–${from + nodes.length - 1}`}
          </span>
        )}
        {/* Every ticket matching the filter (all pages), as CSV. */}
        <DownloadButton url={ticketsExportUrl(ticketFilter(params))} fallbackName="tickets.csv" label="Export CSV" />
      </header>
      <TicketFilters params={params} onChange={change} />
      <FreshnessNote freshness={result.freshness} />
      {!connection && result.fetching && <Loading what="tickets" />}
      {!connection && result.error && <ErrorState error={result.error} what="tickets" />}
      {connection && mayAct && (
        // Stays mounted when a bulk action empties the page, so its outcome remains readable.
        <div className="board-toolbar">
          {nodes.length > 0 && (
            <label className="chip">
              <input type="checkbox" checked={allOnPage} onChange={(e) => selectPage(e.target.checked)} />
              Select all on this page
            </label>
          )}
          <BulkBar
            selected={[...selected]}
            titles={titles}
            live={live}
            onDone={(failed) => setSelected(new Set(failed))}
            onClear={() => setSelected(new Set())}
          />
        </div>
      )}
      {connection && nodes.length === 0 && <Empty>No tickets match these filters.</Empty>}
      {connection && nodes.length > 0 && (
        <>
          <div className="board" style={{ gridTemplateColumns: `repeat(${columns.length}, minmax(260px, 1fr))` }}>
            {columns.map((status) => {
              const inColumn = nodes.filter((t) => t.status === status);
              return (
                <section key={status} className="board-column" aria-label={ticketStatusLabel(status)}>
                  <h2>
                    <TicketStatusBadge status={status} /> <span className="muted">{inColumn.length}</span>
                  </h2>
                  {inColumn.map((t) => (
                    <TicketCard key={t.id} ticket={t} selected={selected.has(t.id)} onSelect={() => toggle(t.id)} />
                  ))}
                </section>
              );
            })}
          </div>
        </>
      )}
      {connection && (params.after || connection.pageInfo.hasNextPage) && (
        <nav className="pager button-row" aria-label="Pages">
          {params.after && (
            <button type="button" onClick={() => change({})}>
              ← First page
            </button>
          )}
          {params.after && (
            <button type="button" onClick={() => window.history.back()}>
              ‹ Previous
            </button>
          )}
          {connection.pageInfo.hasNextPage && (
            <button
              type="button"
              onClick={() =>
                navigate(
                  paths.tickets(
                    boardQuery({ ...params, after: connection.pageInfo.endCursor ?? null, page: params.page + 1 }),
                  ),
                )
              }
            >
              Next page ›
            </button>
          )}
        </nav>
      )}
    </div>
  );
}
