// Maintenance windows of a sensor or a zone: planned work during which automatic
// tickets are not opened (readings are still scored). OPERATOR and ADMIN may
// schedule and cancel them; everyone else sees the list. A sensor's list is
// `Sensor.maintenance`: its own windows and its zone's.
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { useCan } from '../../app/use-permission';
import { FormActions } from '../../components/FormActions';
import { MutationError } from '../../components/MutationError';
import { formatDateTime, toLocalInput } from '../../components/time-format';
import { graphql, useFragment } from '../../gql';

export const MaintenanceWindowFragment = graphql(`
  fragment MaintenanceWindow_window on MaintenanceWindow {
    id
    sensorId
    zoneId
    startsAt
    endsAt
    reason
    createdBy
    active
  }
`);

export const MaintenanceWindowsQuery = graphql(`
  query MaintenanceWindows($sensorId: ID, $zoneId: ID) {
    maintenanceWindows(sensorId: $sensorId, zoneId: $zoneId) {
      id
      ...MaintenanceWindow_window
    }
  }
`);

export const SensorMaintenanceQuery = graphql(`
  query SensorMaintenance($sensorId: ID!) {
    sensor(id: $sensorId) {
      id
      maintenance {
        id
        ...MaintenanceWindow_window
      }
    }
  }
`);

// The list is refetched after a change: the mutations select only what identifies it.
export const ScheduleMaintenanceMutation = graphql(`
  mutation ScheduleMaintenance($input: MaintenanceInput!) {
    scheduleMaintenance(input: $input) {
      id
      active
    }
  }
`);

export const CancelMaintenanceMutation = graphql(`
  mutation CancelMaintenance($id: ID!) {
    cancelMaintenance(id: $id) {
      id
      endsAt
      active
    }
  }
`);

export function MaintenancePanel({ sensorId, zoneId }: { sensorId?: string; zoneId?: string }) {
  const operator = useCan('operate');
  const [zoneResult, refetchZone] = useQuery({
    query: MaintenanceWindowsQuery,
    variables: { sensorId: null, zoneId: zoneId ?? null },
    pause: !!sensorId,
  });
  const [sensorResult, refetchSensor] = useQuery({
    query: SensorMaintenanceQuery,
    variables: { sensorId: sensorId ?? '' },
    pause: !sensorId,
  });
  const refetch = (opts: { requestPolicy: 'network-only' }) => (sensorId ? refetchSensor(opts) : refetchZone(opts));
  const [scheduled, schedule] = useMutation(ScheduleMaintenanceMutation);
  const [cancelled, cancel] = useMutation(CancelMaintenanceMutation);
  const [open, setOpen] = useState(false);
  const [startsAt, setStartsAt] = useState('');
  const [endsAt, setEndsAt] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const openForm = () => {
    const now = Date.now();
    setStartsAt(toLocalInput(now));
    setEndsAt(toLocalInput(now + 2 * 3600_000));
    setReason('');
    setProblem(null);
    setOpen(!open);
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    const from = new Date(startsAt);
    const to = new Date(endsAt);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
      setProblem('Give a start and an end.');
      return;
    }
    if (to <= from) {
      setProblem('The end must be after the start.');
      return;
    }
    setProblem(null);
    const r = await schedule({
      input: {
        sensorId: sensorId ?? null,
        zoneId: sensorId ? null : (zoneId ?? null),
        startsAt: from.toISOString(),
        endsAt: to.toISOString(),
        reason: reason.trim() || null,
      },
    });
    if (!r.error) {
      setOpen(false);
      refetch({ requestPolicy: 'network-only' });
    }
  }

  const windows = useFragment(
    MaintenanceWindowFragment,
    (sensorId ? sensorResult.data?.sensor?.maintenance : zoneResult.data?.maintenanceWindows) ?? [],
  );
  return (
    <section className="panel" aria-labelledby={`maintenance-heading-${sensorId ?? zoneId}`}>
      <h2 id={`maintenance-heading-${sensorId ?? zoneId}`}>Maintenance</h2>
      {windows.length === 0 ? (
        <p className="muted small">No maintenance planned.</p>
      ) : (
        <ul className="maintenance-list">
          {windows.map((w) => (
            <li key={w.id} data-testid="maintenance-window">
              <strong>{w.active ? 'In progress' : 'Planned'}</strong>{' '}
              {w.zoneId && sensorId ? <span className="muted">(whole zone) </span> : null}
              {formatDateTime(w.startsAt)} – {formatDateTime(w.endsAt)}
              {w.reason && <> · {w.reason}</>}
              {w.createdBy && <span className="muted small"> · by {w.createdBy}</span>}
              {operator && (!sensorId || w.sensorId === sensorId) && (
                <button
                  type="button"
                  className="link-button"
                  disabled={cancelled.fetching}
                  onClick={() =>
                    void cancel({ id: w.id }).then((r) => {
                      if (!r.error) refetch({ requestPolicy: 'network-only' });
                    })
                  }
                >
                  {w.active ? 'End now' : 'Cancel'}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {operator && (
        <div className="button-row">
          <button type="button" aria-expanded={open} onClick={openForm}>
            Schedule maintenance…
          </button>
        </div>
      )}
      {open && (
        <form className="registry-form" onSubmit={(e) => void submit(e)} aria-label="Schedule maintenance">
          <div className="form-grid">
            <label>
              Starts
              <input type="datetime-local" required value={startsAt} onChange={(e) => setStartsAt(e.target.value)} />
            </label>
            <label>
              Ends
              <input type="datetime-local" required value={endsAt} onChange={(e) => setEndsAt(e.target.value)} />
            </label>
            <label className="wide">
              Reason
              <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="calibration" />
            </label>
          </div>
          <FormActions
            submitLabel="Schedule"
            busy={scheduled.fetching}
            onCancel={() => setOpen(false)}
            problem={problem}
            error={scheduled.error}
          />
        </form>
      )}
      <MutationError error={cancelled.error} />
    </section>
  );
}
