// Why the sensor has the trust it has, in words.
import { RelativeTime } from '../../components/RelativeTime';
import { SeverityBadge } from '../../components/SeverityBadge';
import { Empty } from '../../components/StatePanel';
import { graphql, useFragment, type FragmentType } from '../../gql';
import { FAULT_EXPLANATIONS } from './fault-explanations';

export const ReasonFragment = graphql(`
  fragment ReasonList_reason on TrustReason {
    kind
    severity
    message
    since
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
        return (
          <li key={r.kind} className="reason">
            <div className="reason-head">
              <SeverityBadge severity={r.severity} />
              <strong>{explain.title}</strong>
              {r.since && (
                <span className="muted small">
                  since <RelativeTime iso={r.since} />
                </span>
              )}
            </div>
            <p className="reason-message">{r.message}</p>
            <p className="muted small">
              {explain.meaning} {explain.check}
            </p>
          </li>
        );
      })}
    </ul>
  );
}
