// Manual ticket lifecycle: validate → lock the ticket → check the transition → write
// the change and its event → publish after commit. Automation never overwrites what a
// person decides here (status, severity); see ticket-planner.ts.
import type { EventBus } from '../../events/event-bus.js';
import { isDomainError, NotFoundError, UserInputError } from '../../kernel/errors.js';
import type { Severity } from '../../trust/types.js';
import { SEVERITIES } from '../../trust/types.js';
import { publishTicketUpdates } from './ticket-automation.js';
import type { TicketActionsRepository, TicketActionWrite } from './ticket-actions-repository.js';
import { ACTION_EVENT, allowedFrom, nextStatus, type TicketAction } from './ticket-rules.js';
import type { TicketRow } from './tickets-repository.js';

export type TicketBulkAction = 'ACKNOWLEDGE' | 'START' | 'ASSIGN' | 'RESOLVE';

export interface TicketBulkInput {
  ids: readonly string[];
  action: TicketBulkAction;
  assignee?: string | null;
  note?: string | null;
}

export interface TicketBulkOutcome {
  id: string;
  ok: boolean;
  ticket: TicketRow | null;
  code: string | null;
  message: string | null;
}

export const MAX_BULK_TICKETS = 500;

const BULK_ACTION: Record<TicketBulkAction, TicketAction> = {
  ACKNOWLEDGE: 'acknowledge',
  START: 'start',
  ASSIGN: 'assign',
  RESOLVE: 'resolve',
};

export interface TicketActionInput {
  note?: string | null;
  assignee?: string;
  severity?: Severity;
}

const VERB: Record<TicketAction, string> = {
  acknowledge: 'acknowledge',
  assign: 'assign',
  start: 'start',
  comment: 'comment on',
  resolve: 'resolve',
  setSeverity: 'change the severity of',
};

function text(field: string, value: string | null | undefined, max: number, required: boolean): string | null {
  const trimmed = value?.trim() ?? '';
  if (!trimmed) {
    if (required) throw new UserInputError(`${field} must not be empty`, { field });
    return null;
  }
  if (trimmed.length > max) throw new UserInputError(`${field} is too long (limit is ${max} characters)`, { field });
  return trimmed;
}

export function createTicketsService(repo: TicketActionsRepository, events: EventBus, clock: { now(): Date }) {
  async function act(action: TicketAction, id: string, actor: string, input: TicketActionInput): Promise<TicketRow> {
    const note = text('note', input.note, 2000, action === 'comment');
    const assignee = action === 'assign' ? text('assignee', input.assignee, 128, true) : null;
    if (action === 'setSeverity' && !SEVERITIES.includes(input.severity as Severity)) {
      throw new UserInputError(`severity must be one of ${SEVERITIES.join(', ')}`, { field: 'severity' });
    }
    const now = clock.now();
    const written = await repo.apply(id, now, (current): TicketActionWrite => {
      const to = nextStatus(action, current.status);
      if (!to) {
        throw new UserInputError(
          `Cannot ${VERB[action]} ticket "${id}": it is ${current.status} (allowed from ${allowedFrom(action).join(', ')})`,
          { status: current.status, action },
        );
      }
      let eventNote = note;
      const change: TicketActionWrite['change'] = { status: to };
      if (action === 'assign') {
        change.assignee = assignee;
        eventNote = `Assigned to ${assignee}${current.assignee ? ` (was ${current.assignee})` : ''}`;
      } else if (action === 'start' && !current.assignee) {
        // Whoever starts the work owns it unless someone was assigned.
        change.assignee = actor;
      } else if (action === 'resolve') {
        Object.assign(change, { resolvedAt: now, resolvedBy: actor });
      } else if (action === 'setSeverity') {
        Object.assign(change, { severity: input.severity, severityManual: true });
        eventNote = `${current.severity} → ${input.severity}${note ? `: ${note}` : ''}`;
      }
      return { change, event: { type: ACTION_EVENT[action], actor, note: eventNote } };
    });
    if (!written) throw new NotFoundError('Ticket', id);
    const { ticket, zoneId } = written;
    publishTicketUpdates(events, [{ ticketId: ticket.id, sensorId: ticket.sensorId, zoneId }]);
    return ticket;
  }

  /**
   * One action on many tickets, each in its own transaction (the same path as a
   * single action): an illegal move or an unknown id is that ticket's outcome and
   * never stops the others.
   */
  async function bulk(input: TicketBulkInput, actor: string) {
    const ids = [...new Set(input.ids)];
    if (ids.length === 0 || ids.length > MAX_BULK_TICKETS) {
      throw new UserInputError(`ids must hold 1 to ${MAX_BULK_TICKETS} tickets, got ${ids.length}`, { field: 'ids' });
    }
    const action = BULK_ACTION[input.action];
    if (action === 'assign') text('assignee', input.assignee, 128, true);
    const outcomes: TicketBulkOutcome[] = [];
    for (const id of ids) {
      try {
        const ticket = await act(action, id, actor, {
          note: action === 'assign' ? null : input.note,
          assignee: input.assignee ?? undefined,
        });
        outcomes.push({ id, ok: true, ticket, code: null, message: null });
      } catch (err) {
        if (!isDomainError(err)) throw err;
        outcomes.push({ id, ok: false, ticket: null, code: err.code, message: err.message });
      }
    }
    const succeeded = outcomes.filter((o) => o.ok).length;
    return { succeeded, failed: outcomes.length - succeeded, outcomes };
  }

  return {
    bulk,
    acknowledge: (id: string, actor: string, note?: string | null) => act('acknowledge', id, actor, { note }),
    assign: (id: string, actor: string, assignee: string) => act('assign', id, actor, { assignee }),
    start: (id: string, actor: string, note?: string | null) => act('start', id, actor, { note }),
    comment: (id: string, actor: string, note: string) => act('comment', id, actor, { note }),
    resolve: (id: string, actor: string, note?: string | null) => act('resolve', id, actor, { note }),
    setSeverity: (id: string, actor: string, severity: Severity, note?: string | null) =>
      act('setSeverity', id, actor, { severity, note }),
  };
}

export type TicketsService = ReturnType<typeof createTicketsService>;
