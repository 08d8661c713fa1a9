// The board's filters: status and severity chips, zone, text search, assignee and
// order. Text fields write to the URL after a pause in typing, without adding history.
import { useEffect, useRef, useState } from 'react';
import { useQuery } from 'urql';
import { SEVERITY_ORDER } from '../../components/SeverityBadge';
import { TICKET_STATUSES, ticketStatusLabel } from '../../components/TicketStatusBadge';
import { graphql } from '../../gql';
import { ORDERS, type BoardParams } from './ticket-board-params';

const ZoneOptionsQuery = graphql(`
  query ZoneOptions {
    zones {
      id
      name
    }
  }
`);

const TYPING_PAUSE_MS = 350;

function useDebouncedText(value: string, commit: (text: string) => void) {
  const [text, setText] = useState(value);
  // The URL changed under us (back button, a link): show what it says.
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    setText(value);
  }
  const commitRef = useRef(commit);
  useEffect(() => {
    commitRef.current = commit;
  });
  useEffect(() => {
    if (text === value) return undefined;
    const timer = setTimeout(() => commitRef.current(text), TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [text, value]);
  return [text, setText] as const;
}

export function TicketFilters({
  params,
  onChange,
}: {
  params: BoardParams;
  onChange: (next: Partial<BoardParams>, options?: { replace?: boolean }) => void;
}) {
  const [zones] = useQuery({ query: ZoneOptionsQuery });
  const [q, setQ] = useDebouncedText(params.q, (text) => onChange({ q: text }, { replace: true }));
  const [assignee, setAssignee] = useDebouncedText(params.assignee ?? '', (text) =>
    onChange({ assignee: text.trim() || null }, { replace: true }),
  );
  const toggle = <T,>(list: T[], item: T) => (list.includes(item) ? list.filter((x) => x !== item) : [...list, item]);

  return (
    <div className="filters" role="search" aria-label="Ticket filters">
      <label>
        Search{' '}
        <input
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder="title, sensor, assignee"
          data-testid="ticket-search"
        />
      </label>
      <label>
        Assignee{' '}
        <input
          type="text"
          value={assignee}
          onChange={(e) => setAssignee(e.target.value)}
          placeholder="anyone"
          size={10}
          disabled={params.assignee === ''}
        />
      </label>
      <label className="chip">
        <input
          type="checkbox"
          checked={params.assignee === ''}
          onChange={(e) => onChange({ assignee: e.target.checked ? '' : null })}
        />
        unassigned
      </label>
      <label>
        Zone{' '}
        <select value={params.zone ?? ''} onChange={(e) => onChange({ zone: e.target.value || null })}>
          <option value="">all zones</option>
          {zones.data?.zones.map((z) => (
            <option key={z.id} value={z.id}>
              {z.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Sort{' '}
        <select value={params.sort} onChange={(e) => onChange({ sort: e.target.value as BoardParams['sort'] })}>
          {ORDERS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="chips">
        <legend>Status</legend>
        {TICKET_STATUSES.map((s) => (
          <label key={s} className={`chip ${params.status.includes(s) ? 'chip-on' : ''}`}>
            <input
              type="checkbox"
              checked={params.status.includes(s)}
              onChange={() => onChange({ status: toggle(params.status, s) })}
            />
            {ticketStatusLabel(s)}
          </label>
        ))}
      </fieldset>
      <fieldset className="chips">
        <legend>Severity</legend>
        {SEVERITY_ORDER.filter((s) => s !== 'NONE').map((s) => (
          <label key={s} className={`chip ${params.severity.includes(s) ? 'chip-on' : ''}`}>
            <input
              type="checkbox"
              checked={params.severity.includes(s)}
              onChange={() => onChange({ severity: toggle(params.severity, s) })}
            />
            {s.toLowerCase()}
          </label>
        ))}
      </fieldset>
    </div>
  );
}
