// Fleet-wide sensor search: by id, name, zone name or reason (a fault kind), across every zone, with
// status filters; each result shows its zone, status, trust and reasons. The
// query, statuses and "retired" live in the URL (#/search?q=…&status=…).
import { useEffect, useState } from 'react';
import { Link, navigate, paths } from '../../app/router';
import { useDocumentTitle } from '../../app/use-document-title';
import { FreshnessNote } from '../../components/FreshnessNote';
import { Empty, ErrorState, Loading } from '../../components/StatePanel';
import { STATUS_ORDER, StatusBadge, statusLabel } from '../../components/StatusBadge';
import { TrustBar } from '../../components/TrustBar';
import { graphql } from '../../gql';
import type { TrustStatus } from '../../gql/graphql';
import { useLiveQuery } from '../../live/use-live-query';

export const SensorSearchQuery = graphql(`
  query SensorSearch($filter: SensorFilter, $first: Int) {
    sensors(filter: $filter, first: $first) {
      totalCount
      nodes {
        id
        name
        kind
        retiredAt
        zone {
          id
          name
        }
        trust {
          sensorId
          score
          status
          reasons {
            kind
            severity
            message
          }
        }
      }
    }
  }
`);

const PAGE = 100;
const WORST_FIRST: TrustStatus[] = ['FAULTY', 'OFFLINE', 'DEGRADED', 'UNKNOWN', 'HEALTHY'];

export interface SearchState {
  q: string;
  status: TrustStatus[];
  retired: boolean;
}

export function readSearchState(params: URLSearchParams): SearchState {
  const status = (params.get('status') ?? '')
    .split(',')
    .filter((s): s is TrustStatus => (STATUS_ORDER as string[]).includes(s));
  return { q: params.get('q') ?? '', status, retired: params.get('retired') === '1' };
}

export function searchQuery(state: SearchState): Record<string, string> {
  const out: Record<string, string> = {};
  if (state.q) out.q = state.q;
  if (state.status.length) out.status = state.status.join(',');
  if (state.retired) out.retired = '1';
  return out;
}

export function SearchPage({ params }: { params: URLSearchParams }) {
  const state = readSearchState(params);
  const [text, setText] = useState(state.q);
  // The address changed from outside (typed in the address bar, back/forward, a link): the
  // box follows it, so the pause below never writes the old text back.
  const [synced, setSynced] = useState(state.q);
  if (state.q !== synced) {
    setSynced(state.q);
    setText(state.q);
  }
  // Typing updates the URL after a short pause (replace: no history entry per key).
  useEffect(() => {
    if (text === state.q) return;
    const timer = setTimeout(() => navigate(paths.search(searchQuery({ ...state, q: text })), { replace: true }), 250);
    return () => clearTimeout(timer);
  }, [text, state]);
  useDocumentTitle(state.q ? `Search “${state.q}”` : 'Sensor search');

  const [result] = useLiveQuery({
    query: SensorSearchQuery,
    variables: {
      filter: {
        search: state.q.trim() || null,
        status: state.status.length ? state.status : null,
        retired: state.retired,
      },
      first: PAGE,
    },
  });
  const update = (next: Partial<SearchState>) =>
    navigate(paths.search(searchQuery({ ...state, q: text, ...next })), { replace: true });
  const toggle = (s: TrustStatus) =>
    update({ status: state.status.includes(s) ? state.status.filter((x) => x !== s) : [...state.status, s] });

  const data = result.data?.sensors;
  // Worst first: status (FAULTY, OFFLINE, DEGRADED, UNKNOWN, HEALTHY), then lower trust.
  const nodes = data
    ? [...data.nodes].sort(
        (a, b) =>
          WORST_FIRST.indexOf(a.trust.status) - WORST_FIRST.indexOf(b.trust.status) || a.trust.score - b.trust.score,
      )
    : [];
  return (
    <div className="page">
      <header className="page-header">
        <h1>{state.q || !state.status.length ? 'Sensor search' : 'Sensors, worst first'}</h1>
        {data && (
          <span className="muted" data-testid="search-count">
            {data.totalCount} {data.totalCount === 1 ? 'sensor' : 'sensors'}
            {data.totalCount > data.nodes.length && ` (first ${data.nodes.length} shown)`}
          </span>
        )}
      </header>
      <div className="filters" role="search">
        <label>
          Id, name, zone or reason
          <input
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="e.g. freezer, or stuck"
            autoFocus
          />
        </label>
        <fieldset className="chips">
          <legend>Status</legend>
          {STATUS_ORDER.map((s) => (
            <label key={s} className={`chip${state.status.includes(s) ? ' chip-on' : ''}`}>
              <input type="checkbox" checked={state.status.includes(s)} onChange={() => toggle(s)} />
              {statusLabel(s)}
            </label>
          ))}
        </fieldset>
        <label className="chip">
          <input type="checkbox" checked={state.retired} onChange={() => update({ retired: !state.retired })} />
          Retired sensors instead
        </label>
      </div>
      <FreshnessNote freshness={result.freshness} />
      {!data && result.fetching && <Loading what="sensors" />}
      {!data && result.error && <ErrorState error={result.error} what="sensors" />}
      {data && data.nodes.length === 0 && <Empty>No sensor matches.</Empty>}
      {data && data.nodes.length > 0 && (
        <section className="panel">
          <ul className="search-results">
            {nodes.map((s) => (
              <li key={s.id} data-testid={`search-result-${s.id}`}>
                <div className="search-head">
                  <Link to={paths.sensor(s.id)}>{s.name}</Link>
                  {s.retiredAt ? (
                    <span className="badge status-offline">RETIRED</span>
                  ) : (
                    <StatusBadge status={s.trust.status} />
                  )}
                  <TrustBar score={s.trust.score} label={`Trust of ${s.name}`} />
                </div>
                <div className="muted small">
                  {s.id} · {s.kind} · {s.zone ? <Link to={paths.zone(s.zone.id)}>{s.zone.name}</Link> : 'no zone'}
                </div>
                {s.trust.reasons.length > 0 && (
                  <div className="search-reasons">
                    {s.trust.reasons.map((r) => (
                      <span key={r.kind} className={`reason-chip severity-${r.severity.toLowerCase()}`}>
                        {r.message}
                      </span>
                    ))}
                  </div>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

/** The header's search box: Enter opens the search page with the text. */
export function HeaderSearch({ current }: { current?: string }) {
  const [text, setText] = useState(current ?? '');
  return (
    <form
      className="header-search"
      role="search"
      aria-label="Sensors"
      onSubmit={(e) => {
        e.preventDefault();
        navigate(paths.search(text.trim() ? { q: text.trim() } : {}));
      }}
    >
      <input
        type="search"
        aria-label="Search sensors by id, name, zone or reason"
        placeholder="Search sensors…"
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
    </form>
  );
}
