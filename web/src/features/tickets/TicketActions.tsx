// Acknowledge, assign, start, comment and resolve (after a confirmation, with an
// optional note). Each mutation returns the ticket, so urql refreshes every query
// showing tickets at once; other dashboards hear about it through ticketUpdated.
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { can, useAuth } from '../../app/auth-store';
import { graphql } from '../../gql';
import type { TicketStatus } from '../../gql/graphql';

const AcknowledgeTicket = graphql(`
  mutation AcknowledgeTicket($id: ID!, $note: String) {
    acknowledgeTicket(id: $id, note: $note) {
      id
      ...TicketCard_ticket
    }
  }
`);
const AssignTicket = graphql(`
  mutation AssignTicket($id: ID!, $assignee: String!) {
    assignTicket(id: $id, assignee: $assignee) {
      id
      ...TicketCard_ticket
    }
  }
`);
const StartTicket = graphql(`
  mutation StartTicket($id: ID!, $note: String) {
    startTicket(id: $id, note: $note) {
      id
      ...TicketCard_ticket
    }
  }
`);
const CommentTicket = graphql(`
  mutation CommentTicket($id: ID!, $note: String!) {
    commentTicket(id: $id, note: $note) {
      id
      ...TicketCard_ticket
    }
  }
`);
const ResolveTicket = graphql(`
  mutation ResolveTicket($id: ID!, $note: String) {
    resolveTicket(id: $id, note: $note) {
      id
      ...TicketCard_ticket
    }
  }
`);

const LABEL = { assign: 'Assignee', comment: 'Comment', resolve: 'Resolution note (optional)' } as const;
const SUBMIT = { assign: 'Assign', comment: 'Add comment', resolve: 'Confirm resolve' } as const;

const OPERATOR_KEY = 'sensor-trust.operator';

function rememberedOperator(): string {
  try {
    return localStorage.getItem(OPERATOR_KEY) ?? '';
  } catch {
    return '';
  }
}

type Form = null | 'assign' | 'comment' | 'resolve';

/** Ticket actions, for roles that may act on tickets (OPERATOR, ADMIN, or open mode). */
export function TicketActions(props: {
  id: string;
  status: TicketStatus;
  assignee: string | null;
  /** Its fault is still reported: the resolve confirmation warns that it will reopen. */
  faultActive?: boolean;
}) {
  const who = useAuth();
  if (who && !can(who.role, 'operate')) return null;
  return <TicketActionButtons {...props} />;
}

function TicketActionButtons({
  id,
  status,
  assignee,
  faultActive,
}: {
  id: string;
  status: TicketStatus;
  assignee: string | null;
  faultActive?: boolean;
}) {
  const [ack, acknowledge] = useMutation(AcknowledgeTicket);
  const [asg, assign] = useMutation(AssignTicket);
  const [st, start] = useMutation(StartTicket);
  const [cmt, comment] = useMutation(CommentTicket);
  const [res, resolve] = useMutation(ResolveTicket);
  const [form, setForm] = useState<Form>(null);
  const [text, setText] = useState('');
  const busy = ack.fetching || asg.fetching || st.fetching || cmt.fetching || res.fetching;
  const error = ack.error ?? asg.error ?? st.error ?? cmt.error ?? res.error;

  const open = (next: Form) => {
    setForm(form === next ? null : next);
    setText(next === 'assign' ? (assignee ?? rememberedOperator()) : '');
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = text.trim();
    if (form === 'resolve') {
      // The confirmation: a resolve is one deliberate step, with an optional note.
      const r = await resolve({ id, note: value || null });
      if (!r.error) setForm(null);
      return;
    }
    if (!value) return;
    if (form === 'assign') {
      try {
        localStorage.setItem(OPERATOR_KEY, value);
      } catch {
        // storage unavailable (private mode): nothing to remember
      }
      const r = await assign({ id, assignee: value });
      if (!r.error) setForm(null);
    } else if (form === 'comment') {
      const r = await comment({ id, note: value });
      if (!r.error) setForm(null);
    }
  };

  const resolved = status === 'RESOLVED';
  return (
    <div className="ticket-actions">
      <div className="button-row">
        {status === 'OPEN' && (
          <button type="button" disabled={busy} onClick={() => acknowledge({ id })}>
            Acknowledge
          </button>
        )}
        {(status === 'OPEN' || status === 'ACKNOWLEDGED') && (
          <button type="button" disabled={busy} onClick={() => start({ id })}>
            Start work
          </button>
        )}
        {!resolved && (
          <button type="button" disabled={busy} aria-expanded={form === 'assign'} onClick={() => open('assign')}>
            Assign…
          </button>
        )}
        <button type="button" disabled={busy} aria-expanded={form === 'comment'} onClick={() => open('comment')}>
          Comment…
        </button>
        {!resolved && (
          <button
            type="button"
            className="primary"
            disabled={busy}
            aria-expanded={form === 'resolve'}
            onClick={() => open('resolve')}
          >
            Resolve…
          </button>
        )}
      </div>
      {form === 'resolve' && faultActive && (
        <p className="form-warning" role="alert" data-testid="fault-still-active">
          The fault is still reported on this sensor: the ticket will reopen at its next evaluation. Fix the cause
          first, or silence the sensor to stop its notifications.
        </p>
      )}
      {form && (
        <form className="inline-form" onSubmit={submit}>
          <label>
            {LABEL[form]}
            <input
              autoFocus
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder={form === 'assign' ? 'name' : 'what you found or did'}
            />
          </label>
          <button type="submit" className="primary" disabled={busy || (form !== 'resolve' && !text.trim())}>
            {SUBMIT[form]}
          </button>
          <button type="button" onClick={() => setForm(null)}>
            Cancel
          </button>
        </form>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error.message.replace(/^\[GraphQL\] /, '')}
        </p>
      )}
    </div>
  );
}
