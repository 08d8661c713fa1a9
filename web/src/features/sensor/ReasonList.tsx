// Why the sensor has the trust it has, in words.
import { RelativeTime } from '../../components/RelativeTime';
import { SeverityBadge } from '../../components/SeverityBadge';
import { formatDayTime } from '../../components/time-format';
import { Empty } from '../../components/StatePanel';
import { graphql, useFragment, type FragmentType } from '../../gql';
import { FAULT_EXPLANATIONS } from './fault-explanations';

export const ReasonFragment = graphql(`
  fragment ReasonList_reason on TrustReason {
    kind
    severity
    message
    since
    active
    clearedAt
    advisory
  }
`);

export function ReasonList(props: { reasons: FragmentType<typeof ReasonFragment>[]; status?: string }) {
  const reasons = useFragment(ReasonFragment, props.reasons);
  if (reasons.length === 0 && (props.status === 'DEGRADED' || props.status === 'FAULTY')) {
    // Hysteresis: the fault has cleared but trust is still rebuilding from good data.
    return (
      <Empty>Recovering: no fault is active any more; trust rises back to healthy after sustained good readings.</Empty>
    );
  }
  if (reasons.length === 0) return <Empty>No problems detected: the data looks trustworthy.</Empty>;
  return (
    <ul className="reason-list">
      {reasons.map((r) => {
        const explain = FAULT_EXPLANATIONS[r.kind];
        // Cleared, but the sensor is still earning trust back (hysteresis): say from what.
        const recovering = r.active === false;
        return (
          <li
            key={`${r.kind}-${recovering ? 'cleared' : 'active'}`}
            className={recovering ? 'reason recovering' : 'reason'}
          >
            <div className="reason-head">
              {!recovering && <SeverityBadge severity={r.severity} />}
              <strong>{recovering ? `Recovering from ${explain.title.toLowerCase()}` : explain.title}</strong>
              {recovering && r.clearedAt ? (
                <span className="muted small">
                  cleared at <time dateTime={r.clearedAt}>{formatDayTime(r.clearedAt)}</time> (
                  <RelativeTime iso={r.clearedAt} />)
                </span>
              ) : (
                r.since && (
                  <span className="muted small">
                    since <RelativeTime iso={r.since} />
                  </span>
                )
              )}
              {r.advisory && <span className="muted small">advisory: informs only, no ticket</span>}
            </div>
            <p className="reason-message">{recovering ? `It was: ${r.message}` : r.message}</p>
            {!recovering && (
              <p className="muted small">
                {explain.meaning} {explain.check}
              </p>
            )}
          </li>
        );
      })}
    </ul>
  );
}
