// Current trust of one sensor: status, score, severity and the reasons.
import { RelativeTime } from '../../components/RelativeTime';
import { SeverityBadge } from '../../components/SeverityBadge';
import { StatusBadge } from '../../components/StatusBadge';
import { TrustBar } from '../../components/TrustBar';
import { graphql, useFragment, type FragmentType } from '../../gql';
import { ReasonList } from './ReasonList';

export const SensorTrustFragment = graphql(`
  fragment SensorTrustPanel_sensor on Sensor {
    trust {
      score
      status
      severity
      lastEvaluated
      reasons {
        kind
        ...ReasonList_reason
      }
    }
  }
`);

export function SensorTrustPanel(props: { sensor: FragmentType<typeof SensorTrustFragment> }) {
  const { trust } = useFragment(SensorTrustFragment, props.sensor);
  return (
    <section className="panel" aria-labelledby="trust-heading">
      <h2 id="trust-heading">Trust</h2>
      <div className="trust-summary" data-testid="sensor-trust">
        <StatusBadge status={trust.status} />
        <TrustBar score={trust.score} />
        {trust.severity !== 'NONE' && <SeverityBadge severity={trust.severity} />}
        <span className="muted small">
          evaluated <RelativeTime iso={trust.lastEvaluated} />
        </span>
      </div>
      <h3>Reasons</h3>
      <ReasonList reasons={trust.reasons} status={trust.status} />
    </section>
  );
}
