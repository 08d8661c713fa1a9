// "Under maintenance until …" for a sensor, a zone tile or a ticket (only windows in force
// now), and TargetNotes: a target's maintenance in force and its silences together, or
// nothing when it has neither.
import { formatDateTime } from '../../components/time-format';
import { graphql, useFragment, type FragmentType } from '../../gql';
import { SilenceFragment, SilenceNotes } from './SilencePanel';

export const MaintenanceNoteFragment = graphql(`
  fragment MaintenanceNote_window on MaintenanceWindow {
    id
    active
    endsAt
    reason
    createdBy
    zoneId
  }
`);

type WindowRefs = readonly FragmentType<typeof MaintenanceNoteFragment>[];

export function MaintenanceNote(props: { windows: WindowRefs; compact?: boolean }) {
  const active = useFragment(MaintenanceNoteFragment, props.windows).filter((w) => w.active);
  if (!active.length) return null;
  return (
    <>
      {active.map((w) => (
        <p key={w.id} className={`maintenance-note${props.compact ? ' compact' : ''}`} data-testid="maintenance-note">
          <strong>Under maintenance</strong>
          {w.zoneId && !props.compact && <span className="muted"> (whole zone)</span>} until {formatDateTime(w.endsAt)}
          {w.createdBy && <> by {w.createdBy}</>}
          {w.reason && <>: “{w.reason}”</>}
        </p>
      ))}
    </>
  );
}

/** The notes block of a sensor page, a zone page (maintenance only) or a zone tile (compact). */
export function TargetNotes(props: {
  maintenance: WindowRefs;
  silences?: readonly FragmentType<typeof SilenceFragment>[];
  compact?: boolean;
  testId?: string;
}) {
  const inForce = useFragment(MaintenanceNoteFragment, props.maintenance).some((w) => w.active);
  const silences = props.silences ?? [];
  if (!inForce && silences.length === 0) return null;
  const Wrapper = props.compact ? 'span' : 'div';
  return (
    <Wrapper className={props.compact ? 'zone-notes' : 'target-notes'} data-testid={props.testId}>
      <MaintenanceNote windows={props.maintenance} compact={props.compact} />
      <SilenceNotes silences={[...silences]} compact={props.compact} />
    </Wrapper>
  );
}
