// The latest ticket changes across the fleet, newest first.
import { SeverityBadge } from '../../components/SeverityBadge';
import { RelativeTime } from '../../components/RelativeTime';
import { Empty } from '../../components/StatePanel';
import { TicketStatusBadge } from '../../components/TicketStatusBadge';
import { Link, paths } from '../../app/router';
import { graphql, useFragment, type FragmentType } from '../../gql';

export const TicketActivityFragment = graphql(`
  fragment TicketActivity_ticket on Ticket {
    id
    title
    kind
    severity
    status
    updatedAt
    sensor {
      id
      name
      zone {
        id
        name
      }
    }
    events {
      at
      type
      actor
    }
  }
`);

function ActivityItem(props: { ticket: FragmentType<typeof TicketActivityFragment> }) {
  const ticket = useFragment(TicketActivityFragment, props.ticket);
  const last = ticket.events[ticket.events.length - 1];
  return (
    <li className="activity-item" data-testid="ticket-activity-item">
      <div className="activity-head">
        <SeverityBadge severity={ticket.severity} />
        <TicketStatusBadge status={ticket.status} />
        <RelativeTime iso={ticket.updatedAt} />
      </div>
      <div className="activity-title">{ticket.title}</div>
      <div className="activity-meta muted">
        <Link to={paths.sensor(ticket.sensor.id)}>{ticket.sensor.name}</Link>
        {ticket.sensor.zone && (
          <>
            {' '}
            in <Link to={paths.zone(ticket.sensor.zone.id)}>{ticket.sensor.zone.name}</Link>
          </>
        )}
        {last && (
          <>
            {' '}
            · {last.type.toLowerCase().replace(/_/g, ' ')}
            {last.actor ? ` by ${last.actor}` : ''}
          </>
        )}
      </div>
    </li>
  );
}

export type TicketActivityEntry = FragmentType<typeof TicketActivityFragment> & { id: string };

export function TicketActivity(props: { tickets: TicketActivityEntry[] }) {
  if (props.tickets.length === 0) return <Empty>No tickets yet: every sensor has behaved.</Empty>;
  return (
    <ul className="activity-list" aria-label="Recent ticket activity">
      {props.tickets.map((t) => (
        <ActivityItem key={t.id} ticket={t} />
      ))}
    </ul>
  );
}
