// The board's state lives in the URL (#/tickets?status=…&q=…&after=…), so a view
// can be bookmarked, shared and restored with the back button.
import { SEVERITY_ORDER } from '../../components/SeverityBadge';
import { TICKET_STATUSES } from '../../components/TicketStatusBadge';
import type { Severity, TicketOrder, TicketStatus } from '../../gql/graphql';

export const ACTIVE: TicketStatus[] = ['OPEN', 'ACKNOWLEDGED', 'IN_PROGRESS'];
export const ORDERS: { value: TicketOrder; label: string }[] = [
  { value: 'OPENED_DESC', label: 'Newest first' },
  { value: 'OPENED_ASC', label: 'Oldest first' },
  { value: 'UPDATED_DESC', label: 'Recently changed' },
  { value: 'SEVERITY_DESC', label: 'Most severe' },
];

export interface BoardParams {
  status: TicketStatus[];
  severity: Severity[];
  zone: string | null;
  q: string;
  assignee: string | null;
  sort: TicketOrder;
  after: string | null;
  /** 1-based page number, for display (the cursor is what fetches). */
  page: number;
}

function listParam<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[], fallback: T[]): T[] {
  const raw = params.get(name);
  if (raw === null) return fallback;
  return raw.split(',').filter((v): v is T => (allowed as readonly string[]).includes(v));
}

export function readBoardParams(params: URLSearchParams): BoardParams {
  const sort = params.get('sort');
  return {
    status: listParam(params, 'status', TICKET_STATUSES, ACTIVE),
    severity: listParam(params, 'severity', SEVERITY_ORDER, []),
    zone: params.get('zone') || null,
    q: params.get('q') ?? '',
    // '' = unassigned, absent = anyone
    assignee: params.get('assignee'),
    sort: ORDERS.some((o) => o.value === sort) ? (sort as TicketOrder) : 'OPENED_DESC',
    after: params.get('after') || null,
    page: Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1),
  };
}

/** URL parameters for a board state; a changed filter starts again from the first page. */
export function boardQuery(p: BoardParams): Record<string, string> {
  const out: Record<string, string> = { status: p.status.join(',') };
  if (p.severity.length) out.severity = p.severity.join(',');
  if (p.zone) out.zone = p.zone;
  if (p.q.trim()) out.q = p.q.trim();
  if (p.assignee !== null) out.assignee = p.assignee;
  if (p.sort !== 'OPENED_DESC') out.sort = p.sort;
  if (p.after) {
    out.after = p.after;
    out.page = String(p.page);
  }
  return out;
}

export function ticketFilter(p: BoardParams) {
  return {
    status: p.status.length ? p.status : null,
    severity: p.severity.length ? p.severity : null,
    zoneId: p.zone,
    search: p.q.trim() || null,
    assignee: p.assignee,
  };
}
