// Ticket lifecycle status with an icon, readable without colour.
import type { TicketStatus } from '../gql/graphql';

const LOOK: Record<TicketStatus, { icon: string; label: string }> = {
  OPEN: { icon: '●', label: 'Open' },
  ACKNOWLEDGED: { icon: '◐', label: 'Acknowledged' },
  IN_PROGRESS: { icon: '▶', label: 'In progress' },
  RESOLVED: { icon: '✓', label: 'Resolved' },
};

export const TICKET_STATUSES: TicketStatus[] = ['OPEN', 'ACKNOWLEDGED', 'IN_PROGRESS', 'RESOLVED'];

export function ticketStatusLabel(status: TicketStatus): string {
  return LOOK[status].label;
}

export function TicketStatusBadge({ status }: { status: TicketStatus }) {
  const look = LOOK[status];
  return (
    <span className={`badge ticket-${status.toLowerCase()}`}>
      <span aria-hidden="true" className="badge-icon">
        {look.icon}
      </span>
      {look.label}
    </span>
  );
}
