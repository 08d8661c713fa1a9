// Register a sensor or edit one (ADMIN): name, kind, unit, zone, plausible range
// (minValue / maxValue: readings outside it are OUT_OF_RANGE), expected interval
// and, for report-by-exception sensors, the heartbeat. The server validates; its
// error (with the code) is shown next to the form.
import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { FormActions } from '../../components/FormActions';
import { graphql } from '../../gql';

export const RegistryZoneOptionsQuery = graphql(`
  query RegistryZoneOptions {
    zones {
      id
      name
    }
  }
`);

export const UpsertSensorMutation = graphql(`
  mutation UpsertSensor($input: SensorInput!) {
    upsertSensor(input: $input) {
      id
      name
      kind
      unit
      minValue
      maxValue
      expectedIntervalSeconds
      heartbeatSeconds
      zone {
        id
        name
      }
    }
  }
`);

export interface SensorFields {
  id: string;
  name: string;
  kind: string;
  unit?: string | null;
  zoneId?: string | null;
  minValue?: number | null;
  maxValue?: number | null;
  expectedIntervalSeconds?: number | null;
  heartbeatSeconds?: number | null;
}

const KINDS = ['temperature', 'humidity', 'co2', 'pressure'];

const text = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));

/** '' → null, else the number (NaN when it is not one: the form refuses it). */
function numberOrNull(v: string): number | null {
  const t = v.trim();
  return t === '' ? null : Number(t);
}

export function SensorForm(props: {
  /** The sensor to edit; without it the form registers a new one. */
  sensor?: SensorFields;
  /** Zone preselected for a new sensor. */
  zoneId?: string;
  onDone: (id: string) => void;
  onCancel: () => void;
}) {
  const editing = props.sensor;
  const uid = useId();
  const [zones] = useQuery({ query: RegistryZoneOptionsQuery });
  const [result, upsert] = useMutation(UpsertSensorMutation);
  const [f, setF] = useState(() => ({
    id: editing?.id ?? '',
    name: editing?.name ?? '',
    kind: editing?.kind ?? 'temperature',
    unit: editing?.unit ?? '',
    zoneId: editing?.zoneId ?? props.zoneId ?? '',
    minValue: text(editing?.minValue),
    maxValue: text(editing?.maxValue),
    interval: text(editing?.expectedIntervalSeconds ?? 60),
    heartbeat: text(editing?.heartbeatSeconds),
  }));
  const [problem, setProblem] = useState<string | null>(null);
  const set = (key: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [key]: e.target.value });

  async function submit(e: FormEvent) {
    e.preventDefault();
    const numbers = {
      minValue: numberOrNull(f.minValue),
      maxValue: numberOrNull(f.maxValue),
      expectedIntervalSeconds: numberOrNull(f.interval),
      heartbeatSeconds: numberOrNull(f.heartbeat),
    };
    const bad = Object.entries(numbers).find(([, v]) => v !== null && !Number.isFinite(v));
    if (bad) {
      setProblem(`${bad[0]} must be a number`);
      return;
    }
    setProblem(null);
    const r = await upsert({
      input: {
        id: f.id.trim(),
        name: f.name.trim(),
        kind: f.kind.trim(),
        unit: f.unit.trim() || null,
        zoneId: f.zoneId || null,
        ...numbers,
      },
    });
    if (!r.error && r.data) props.onDone(r.data.upsertSensor.id);
  }

  return (
    <form
      className="registry-form"
      onSubmit={(e) => void submit(e)}
      aria-label={editing ? `Edit sensor ${editing.id}` : 'New sensor'}
    >
      <div className="form-grid">
        <label>
          Id
          <input
            required
            value={f.id}
            onChange={set('id')}
            readOnly={!!editing}
            aria-readonly={!!editing}
            placeholder="hall-a/t1"
            autoFocus={!editing}
          />
        </label>
        <label>
          Name
          <input required value={f.name} onChange={set('name')} autoFocus={!!editing} />
        </label>
        <label>
          Kind
          <input required list={`${uid}-kinds`} value={f.kind} onChange={set('kind')} />
          <datalist id={`${uid}-kinds`}>
            {KINDS.map((k) => (
              <option key={k} value={k} />
            ))}
          </datalist>
        </label>
        <label>
          Unit
          <input value={f.unit} onChange={set('unit')} placeholder="°C" />
        </label>
        <label>
          Zone
          <select value={f.zoneId} onChange={set('zoneId')}>
            <option value="">No zone</option>
            {(zones.data?.zones ?? []).map((z) => (
              <option key={z.id} value={z.id}>
                {z.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Plausible min
          <input inputMode="decimal" value={f.minValue} onChange={set('minValue')} placeholder="none" />
        </label>
        <label>
          Plausible max
          <input inputMode="decimal" value={f.maxValue} onChange={set('maxValue')} placeholder="none" />
        </label>
        <label>
          Expected interval (s)
          <input inputMode="numeric" required value={f.interval} onChange={set('interval')} />
        </label>
        <label>
          Heartbeat (s, report-by-exception only)
          <input inputMode="numeric" value={f.heartbeat} onChange={set('heartbeat')} placeholder="periodic" />
        </label>
      </div>
      <p className="muted small">
        Readings outside the plausible range are judged OUT_OF_RANGE; OFFLINE and GAP are judged against the expected
        interval (or the heartbeat).
      </p>
      <FormActions
        submitLabel={editing ? 'Save sensor' : 'Register sensor'}
        busy={result.fetching}
        onCancel={props.onCancel}
        problem={problem}
        error={result.error}
      />
    </form>
  );
}
