// A zone's sensors: trust, status, reasons and last reading; sortable by column
// and filterable by text, status and kind. Sorting lives here because only this
// component sees the fields it sorts on (its fragment).
import { useMemo, useState } from 'react';
import { RelativeTime } from '../../components/RelativeTime';
import { Empty } from '../../components/StatePanel';
import { StatusBadge, STATUS_ORDER, statusLabel } from '../../components/StatusBadge';
import { TrustBar } from '../../components/TrustBar';
import { Link, paths } from '../../app/router';
import { graphql, useFragment, type FragmentType } from '../../gql';
import type { TrustStatus } from '../../gql/graphql';

export const ZoneSensorRowFragment = graphql(`
  fragment ZoneSensorRow_sensor on Sensor {
    id
    name
    kind
    unit
    trust {
      score
      status
      reasons {
        kind
        severity
        message
      }
    }
    lastReading {
      timestamp
      value
    }
  }
`);

export interface LiveReading {
  timestamp: string;
  value: number;
}

type SortKey = 'name' | 'kind' | 'trust' | 'status' | 'lastReading';
const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'status', label: 'Status' },
  { key: 'name', label: 'Sensor' },
  { key: 'kind', label: 'Kind' },
  { key: 'trust', label: 'Trust' },
  { key: 'lastReading', label: 'Last reading' },
];

/** The table's filters and order; the zone page keeps them in the URL. */
export interface TableState {
  sort: { key: SortKey; asc: boolean };
  text: string;
  statuses: ReadonlySet<TrustStatus>;
  kind: string;
}

const DEFAULT_STATE: TableState = { sort: { key: 'trust', asc: true }, text: '', statuses: new Set(), kind: '' };

export function readTableState(params: URLSearchParams): TableState {
  const sortKey = params.get('sort');
  return {
    sort: {
      key: COLUMNS.some((c) => c.key === sortKey) ? (sortKey as SortKey) : 'trust',
      asc: params.get('dir') !== 'desc',
    },
    text: params.get('q') ?? '',
    statuses: new Set(
      (params.get('status') ?? '').split(',').filter((s): s is TrustStatus => STATUS_ORDER.includes(s as TrustStatus)),
    ),
    kind: params.get('kind') ?? '',
  };
}

export function tableQuery(state: TableState): Record<string, string> {
  const out: Record<string, string> = {};
  if (state.sort.key !== 'trust') out.sort = state.sort.key;
  if (!state.sort.asc) out.dir = 'desc';
  if (state.text) out.q = state.text;
  if (state.statuses.size) out.status = [...state.statuses].join(',');
  if (state.kind) out.kind = state.kind;
  return out;
}

export function ZoneSensorTable(props: {
  sensors: FragmentType<typeof ZoneSensorRowFragment>[];
  liveReadings?: ReadonlyMap<string, LiveReading>;
  /** Controlled by the page (URL); uncontrolled when absent. */
  state?: TableState;
  onStateChange?: (next: TableState) => void;
}) {
  const sensors = useFragment(ZoneSensorRowFragment, props.sensors);
  const [own, setOwn] = useState<TableState>(DEFAULT_STATE);
  const current = props.state ?? own;
  const update = (next: Partial<TableState>) => {
    const merged = { ...current, ...next };
    if (props.onStateChange) props.onStateChange(merged);
    else setOwn(merged);
  };
  const { sort, text, statuses, kind } = current;
  const setSort = (f: (s: TableState['sort']) => TableState['sort']) => update({ sort: f(sort) });
  const setText = (t: string) => update({ text: t });
  const setKind = (k: string) => update({ kind: k });
  const setStatuses = (f: (s: ReadonlySet<TrustStatus>) => ReadonlySet<TrustStatus>) =>
    update({ statuses: f(statuses) });

  const rows = useMemo(() => {
    const live = props.liveReadings;
    const withLive = sensors.map((s) => {
      const pushed = live?.get(s.id);
      const lastReading =
        pushed && (!s.lastReading || pushed.timestamp >= s.lastReading.timestamp) ? pushed : (s.lastReading ?? null);
      return { ...s, lastReading };
    });
    const needle = text.trim().toLowerCase();
    const filtered = withLive.filter(
      (s) =>
        (!needle || s.name.toLowerCase().includes(needle) || s.id.toLowerCase().includes(needle)) &&
        (statuses.size === 0 || statuses.has(s.trust.status)) &&
        (!kind || s.kind === kind),
    );
    const value = (s: (typeof withLive)[number]): string | number => {
      switch (sort.key) {
        case 'name':
          return s.name.toLowerCase();
        case 'kind':
          return s.kind;
        case 'trust':
          return s.trust.score;
        case 'status':
          return STATUS_ORDER.indexOf(s.trust.status);
        case 'lastReading':
          return s.lastReading ? Date.parse(s.lastReading.timestamp) : 0;
      }
    };
    return filtered.sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      const order = va < vb ? -1 : va > vb ? 1 : a.name.localeCompare(b.name);
      return sort.asc ? order : -order;
    });
  }, [sensors, props.liveReadings, text, statuses, kind, sort]);

  const kinds = [...new Set(sensors.map((s) => s.kind))].sort();
  const toggleStatus = (status: TrustStatus) =>
    setStatuses((prev) => {
      const next = new Set(prev);
      if (next.has(status)) next.delete(status);
      else next.add(status);
      return next;
    });

  if (sensors.length === 0) return <Empty>This zone has no sensors yet.</Empty>;

  return (
    <div>
      <div className="filters" role="search">
        <label>
          Search <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="name or id" />
        </label>
        <label>
          Kind{' '}
          <select value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="">all kinds</option>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="chips">
          <legend>Status</legend>
          {STATUS_ORDER.map((status) => (
            <label key={status} className={`chip ${statuses.has(status) ? 'chip-on' : ''}`}>
              <input type="checkbox" checked={statuses.has(status)} onChange={() => toggleStatus(status)} />
              {statusLabel(status)}
            </label>
          ))}
        </fieldset>
        <span className="muted">
          {rows.length} of {sensors.length} sensors
        </span>
      </div>
      <table className="data-table">
        <thead>
          <tr>
            {COLUMNS.map((c) => (
              <th key={c.key} aria-sort={sort.key === c.key ? (sort.asc ? 'ascending' : 'descending') : 'none'}>
                <button
                  type="button"
                  className="sort-button"
                  onClick={() => setSort((s) => ({ key: c.key, asc: s.key === c.key ? !s.asc : true }))}
                >
                  {c.label} <span aria-hidden="true">{sort.key === c.key ? (sort.asc ? '▲' : '▼') : '↕'}</span>
                </button>
              </th>
            ))}
            <th>Reasons</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.id} data-testid={`sensor-row-${s.id}`}>
              <td>
                <StatusBadge status={s.trust.status} />
              </td>
              <td>
                <Link to={paths.sensor(s.id)}>{s.name}</Link>
                <div className="muted small">{s.id}</div>
              </td>
              <td>{s.kind}</td>
              <td>
                <TrustBar score={s.trust.score} label={`Trust of ${s.name}`} />
              </td>
              <td>
                {s.lastReading ? (
                  <>
                    <strong>{+s.lastReading.value.toFixed(2)}</strong> {s.unit ?? ''}{' '}
                    <span className="muted small">
                      <RelativeTime iso={s.lastReading.timestamp} />
                    </span>
                  </>
                ) : (
                  <span className="muted">no readings</span>
                )}
              </td>
              <td className="reasons-cell">
                {s.trust.reasons.length === 0 ? (
                  <span className="muted">
                    {s.trust.status === 'DEGRADED' || s.trust.status === 'FAULTY' ? 'recovering' : '—'}
                  </span>
                ) : (
                  s.trust.reasons.map((r) => (
                    <span key={r.kind} className={`reason-chip severity-${r.severity.toLowerCase()}`} title={r.message}>
                      {r.kind.replace(/_/g, ' ').toLowerCase()}
                    </span>
                  ))
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <Empty>No sensor matches these filters.</Empty>}
    </div>
  );
}
