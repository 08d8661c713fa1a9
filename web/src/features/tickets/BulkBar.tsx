// Acts on the selected tickets at once: acknowledge, start, assign or resolve (with a
// note, after a confirmation). The server answers per ticket; the bar says which
// ones did not change and why, and keeps only those selected.
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../../gql';
import type { TicketBulkAction } from '../../gql/graphql';

export const BulkUpdateTickets = graphql(`
  mutation BulkUpdateTickets($input: TicketBulkInput!) {
    bulkUpdateTickets(input: $input) {
      succeeded
      failed
      outcomes {
        id
        ok
        message
        ticket {
          id
          ...TicketCard_ticket
        }
      }
    }
  }
`);

const DONE: Record<TicketBulkAction, string> = {
  ACKNOWLEDGE: 'Acknowledged',
  START: 'Started',
  ASSIGN: 'Assigned',
  RESOLVE: 'Resolved',
};

type Form = null | 'ASSIGN' | 'RESOLVE';

export function BulkBar({
  selected,
  titles,
  live,
  onDone,
  onClear,
}: {
  selected: string[];
  /** ids of tickets whose fault is still reported (they reopen when resolved) */
  live?: ReadonlySet<string>;
  /** id → title, to name tickets in the outcome */
  titles: ReadonlyMap<string, string>;
  /** ids that were not changed (they stay selected) */
  onDone: (failedIds: string[]) => void;
  onClear: () => void;
}) {
  const [state, run] = useMutation(BulkUpdateTickets);
  const [form, setForm] = useState<Form>(null);
  const [text, setText] = useState('');
  const [outcome, setOutcome] = useState<null | {
    action: TicketBulkAction;
    succeeded: number;
    failed: { id: string; message: string }[];
  }>(null);

  const apply = async (action: TicketBulkAction, extra: { assignee?: string; note?: string } = {}) => {
    const result = await run({ input: { ids: selected, action, ...extra } });
    const data = result.data?.bulkUpdateTickets;
    if (!data) return;
    const failed = data.outcomes.filter((o) => !o.ok).map((o) => ({ id: o.id, message: o.message ?? 'not changed' }));
    setOutcome({ action, succeeded: data.succeeded, failed });
    setForm(null);
    setText('');
    onDone(failed.map((f) => f.id));
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (form === 'ASSIGN' && text.trim()) void apply('ASSIGN', { assignee: text.trim() });
    if (form === 'RESOLVE') void apply('RESOLVE', { note: text.trim() || undefined });
  };
  const count = selected.length;
  const stillLive = live ? selected.filter((id) => live.has(id)) : [];

  return (
    <div className="bulk-bar" aria-label="Bulk actions" role="region">
      {count > 0 && (
        <div className="button-row">
          <strong>{count} selected</strong>
          <button type="button" disabled={state.fetching} onClick={() => void apply('ACKNOWLEDGE')}>
            Acknowledge
          </button>
          <button type="button" disabled={state.fetching} onClick={() => void apply('START')}>
            Start work
          </button>
          <button
            type="button"
            disabled={state.fetching}
            aria-expanded={form === 'ASSIGN'}
            onClick={() => setForm('ASSIGN')}
          >
            Assign…
          </button>
          <button
            type="button"
            className="primary"
            disabled={state.fetching}
            aria-expanded={form === 'RESOLVE'}
            onClick={() => setForm('RESOLVE')}
          >
            Resolve…
          </button>
          <button type="button" onClick={onClear}>
            Clear selection
          </button>
        </div>
      )}
      {count > 0 && form === 'RESOLVE' && stillLive.length > 0 && (
        <p className="form-warning" role="alert" data-testid="bulk-fault-still-active">
          {stillLive.length} of the {count} selected still report their fault (
          {stillLive
            .slice(0, 3)
            .map((id) => titles.get(id) ?? id)
            .join('; ')}
          {stillLive.length > 3 ? '; …' : ''}): they will reopen at their next evaluation. Silence them instead to stop
          notifications.
        </p>
      )}
      {count > 0 && form && (
        <form className="inline-form" onSubmit={submit}>
          <label>
            {form === 'ASSIGN'
              ? 'Assign all to'
              : `Resolution note for ${count} ticket${count === 1 ? '' : 's'} (optional)`}
            <input autoFocus value={text} onChange={(e) => setText(e.target.value)} />
          </label>
          <button type="submit" className="primary" disabled={state.fetching || (form === 'ASSIGN' && !text.trim())}>
            {form === 'ASSIGN' ? `Assign ${count}` : `Confirm: resolve ${count}`}
          </button>
          <button type="button" onClick={() => setForm(null)}>
            Cancel
          </button>
        </form>
      )}
      {state.error && (
        <p className="form-error" role="alert">
          {state.error.message.replace(/^\[GraphQL\] /, '')}
        </p>
      )}
      {outcome && (
        <div className="bulk-outcome" role="status" data-testid="bulk-outcome">
          {DONE[outcome.action]} {outcome.succeeded} of {outcome.succeeded + outcome.failed.length}.
          {outcome.failed.length > 0 && (
            <ul>
              {outcome.failed.map((f) => (
                <li key={f.id}>
                  <strong>{titles.get(f.id) ?? f.id}</strong>: {f.message.replace(/^\[GraphQL\] /, '')}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
