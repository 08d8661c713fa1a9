// One incident: its cause in words, where, how many sensors, since when.
import { Link, paths } from '../../app/router';
import { RelativeTime } from '../../components/RelativeTime';
import { SeverityBadge } from '../../components/SeverityBadge';
import { useFragment, type FragmentType } from '../../gql';
import { IncidentCardFragment } from './incident-queries';

export const CAUSE_LABEL: Record<string, string> = {
  FLEET_SILENT: 'Fleet silent',
  SOURCE_SILENT: 'Source silent',
  ZONE_FAULT: 'Zone fault',
  ENVIRONMENT: 'Environment change',
};

export function IncidentCard(props: { incident: FragmentType<typeof IncidentCardFragment> }) {
  const i = useFragment(IncidentCardFragment, props.incident);
  return (
    <article
      className={`incident-card severity-edge-${i.severity.toLowerCase()}`}
      data-testid="incident-card"
      aria-label={i.summary}
    >
      <header className="ticket-head">
        <SeverityBadge severity={i.severity} />
        <span className="reason-chip">{CAUSE_LABEL[i.cause] ?? i.cause}</span>
        <span className="muted">{i.status.toLowerCase()}</span>
      </header>
      <h3 className="ticket-title">
        <Link to={paths.incident(i.id)}>{i.summary}</Link>
      </h3>
      <div className="muted">
        {i.sensorCount} sensor{i.sensorCount === 1 ? '' : 's'}
        {i.zone && (
          <>
            {' '}
            in <Link to={paths.zone(i.zone.id)}>{i.zone.name}</Link>
          </>
        )}
        {' · opened '}
        <RelativeTime iso={i.openedAt} />
        {i.resolvedAt && (
          <>
            {' · resolved '}
            <RelativeTime iso={i.resolvedAt} />
          </>
        )}
      </div>
    </article>
  );
}
