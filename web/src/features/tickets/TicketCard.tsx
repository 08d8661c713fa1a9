// One ticket: what, where, how bad, who, and its history; with actions.
import { RelativeTime } from '../../components/RelativeTime';
import { SeverityBadge } from '../../components/SeverityBadge';
import { TicketStatusBadge } from '../../components/TicketStatusBadge';
import { Link, paths } from '../../app/router';
import { graphql, useFragment, type FragmentType } from '../../gql';
import { MaintenanceNote } from '../silences/MaintenanceNote';
import { SilenceNotes } from '../silences/SilencePanel';
import { TicketActions } from './TicketActions';

export const TicketCardFragment = graphql(`
  fragment TicketCard_ticket on Ticket {
    id
    title
    kind
    severity
    status
    assignee
    openedAt
    updatedAt
    resolvedAt
    occurrences
    incident {
      id
      summary
    }
    openedDuringMaintenance
    silences {
      id
      ...Silence_silence
    }
    sensor {
      id
      name
      trust {
        reasons {
          kind
          active
          advisory
        }
      }
      maintenance {
        id
        ...MaintenanceNote_window
      }
      zone {
        id
        name
      }
    }
    events {
      at
      type
      actor
      note
    }
  }
`);

/** The ticket's fault is still reported (an active reason of its kind that counts): resolving reopens it. */
export function faultStillActive(
  kind: string,
  reasons: readonly { kind: string; active: boolean; advisory: boolean }[],
): boolean {
  return reasons.some((r) => r.kind === kind && r.active && !r.advisory);
}

export function TicketCard(props: {
  ticket: FragmentType<typeof TicketCardFragment>;
  showSensor?: boolean;
  /** With onSelect: a checkbox to pick the ticket for bulk actions. */
  selected?: boolean;
  onSelect?: () => void;
}) {
  const t = useFragment(TicketCardFragment, props.ticket);
  const showSensor = props.showSensor ?? true;
  return (
    <article
      className={`ticket-card severity-edge-${t.severity.toLowerCase()}`}
      data-testid={`ticket-${t.id}`}
      aria-label={t.title}
    >
      <header className="ticket-head">
        {props.onSelect && (
          <input
            type="checkbox"
            className="ticket-select"
            checked={props.selected ?? false}
            onChange={props.onSelect}
            aria-label={`Select “${t.title}”`}
          />
        )}
        <SeverityBadge severity={t.severity} />
        <TicketStatusBadge status={t.status} />
        <span className="reason-chip">{t.kind.replace(/_/g, ' ').toLowerCase()}</span>
        {t.openedDuringMaintenance && (
          <span
            className="reason-chip"
            data-testid="opened-during-maintenance"
            title="Opened while a maintenance window was in force"
          >
            opened during maintenance
          </span>
        )}
      </header>
      <h3 className="ticket-title">{t.title}</h3>
      <MaintenanceNote windows={t.sensor.maintenance} compact />
      <SilenceNotes silences={t.silences} compact />
      <dl className="ticket-facts">
        {showSensor && (
          <>
            <dt>Sensor</dt>
            <dd>
              <Link to={paths.sensor(t.sensor.id)}>{t.sensor.name}</Link>
              {t.sensor.zone && (
                <>
                  {' '}
                  · <Link to={paths.zone(t.sensor.zone.id)}>{t.sensor.zone.name}</Link>
                </>
              )}
            </dd>
          </>
        )}
        {t.incident && (
          <>
            <dt>Incident</dt>
            <dd>
              <Link to={paths.incident(t.incident.id)} data-testid="ticket-incident-link">
                {t.incident.summary}
              </Link>
            </dd>
          </>
        )}
        <dt>Assignee</dt>
        <dd>{t.assignee ?? <span className="muted">unassigned</span>}</dd>
        <dt>Opened</dt>
        <dd>
          <RelativeTime iso={t.openedAt} />
          {t.occurrences > 1 && <span className="muted"> · seen {t.occurrences}×</span>}
        </dd>
        {t.resolvedAt && (
          <>
            <dt>Resolved</dt>
            <dd>
              <RelativeTime iso={t.resolvedAt} />
            </dd>
          </>
        )}
      </dl>
      <details className="ticket-history">
        <summary>History ({t.events.length})</summary>
        <ol>
          {t.events.map((e, i) => (
            <li key={i}>
              <RelativeTime iso={e.at} /> <strong>{e.type.toLowerCase().replace(/_/g, ' ')}</strong>
              {e.actor && <> by {e.actor}</>}
              {e.note && <div className="event-note">“{e.note}”</div>}
            </li>
          ))}
        </ol>
      </details>
      <TicketActions
        id={t.id}
        status={t.status}
        assignee={t.assignee ?? null}
        faultActive={faultStillActive(t.kind, t.sensor.trust.reasons)}
      />
    </article>
  );
}
