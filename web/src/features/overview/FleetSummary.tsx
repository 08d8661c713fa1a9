// Fleet-wide numbers: sensors by status, average trust, open tickets by severity, readings per hour.
import { StatusBadge, STATUS_ORDER } from '../../components/StatusBadge';
import { SeverityBadge, SEVERITY_ORDER } from '../../components/SeverityBadge';
import { TrustBar } from '../../components/TrustBar';
import { Link, paths } from '../../app/router';
import { graphql, useFragment, type FragmentType } from '../../gql';

export const FleetSummaryFragment = graphql(`
  fragment FleetSummary_summary on DashboardSummary {
    sensorCount
    averageTrust
    statusCounts {
      status
      count
    }
    openTickets
    openTicketsBySeverity {
      severity
      count
    }
    readingsLastHour
    generatedAt
  }
`);

export function FleetSummary(props: { summary: FragmentType<typeof FleetSummaryFragment> }) {
  const summary = useFragment(FleetSummaryFragment, props.summary);
  const byStatus = new Map(summary.statusCounts.map((c) => [c.status, c.count]));
  const bySeverity = new Map(summary.openTicketsBySeverity.map((c) => [c.severity, c.count]));
  return (
    <section className="fleet-summary" aria-label="Fleet summary">
      <div className="kpi">
        <span className="kpi-label">
          <Link to={paths.search({ status: 'FAULTY,OFFLINE,DEGRADED' })}>Sensors</Link>{' '}
          <Link className="small" to={paths.search({ status: 'FAULTY,OFFLINE,DEGRADED' })} data-testid="worst-sensors">
            worst first →
          </Link>
        </span>
        <span className="kpi-value" data-testid="sensor-count">
          {summary.sensorCount.toLocaleString()}
        </span>
        <ul className="status-counts">
          {STATUS_ORDER.map((status) => (
            <li key={status} data-testid={`status-count-${status}`} className={byStatus.get(status) ? '' : 'zero'}>
              <Link to={paths.search({ status })} title="These sensors, worst first">
                <StatusBadge status={status} /> <strong>{byStatus.get(status) ?? 0}</strong>
              </Link>
            </li>
          ))}
        </ul>
      </div>
      <div className="kpi">
        <span className="kpi-label">Average trust</span>
        <span className="kpi-value">
          <TrustBar score={summary.averageTrust} label="Average trust" />
        </span>
      </div>
      <div className="kpi">
        <span className="kpi-label">
          <Link to={paths.tickets({ status: 'OPEN,ACKNOWLEDGED,IN_PROGRESS' })}>Open tickets</Link>
        </span>
        <span className="kpi-value" data-testid="open-tickets">
          {summary.openTickets}
        </span>
        <ul className="status-counts">
          {SEVERITY_ORDER.filter((s) => s !== 'NONE').map((severity) => (
            <li key={severity} className={bySeverity.get(severity) ? '' : 'zero'}>
              <SeverityBadge severity={severity} /> <strong>{bySeverity.get(severity) ?? 0}</strong>
            </li>
          ))}
        </ul>
      </div>
      <div className="kpi">
        <span className="kpi-label">Readings, last hour</span>
        <span className="kpi-value" data-testid="readings-last-hour">
          {summary.readingsLastHour.toLocaleString()}
        </span>
      </div>
    </section>
  );
}
