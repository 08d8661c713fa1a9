// On the sensor page, for ADMIN: edit its registry entry, retire it (after a
// confirmation, with an optional note recorded on the tickets it resolves), or
// bring a retired sensor back.
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { useCan } from '../../app/use-permission';
import { MutationError } from '../../components/MutationError';
import { graphql } from '../../gql';
import { SensorForm, type SensorFields } from './SensorForm';

export const RetireSensorMutation = graphql(`
  mutation RetireSensor($id: ID!, $note: String) {
    retireSensor(id: $id, note: $note) {
      id
      retiredAt
      tickets {
        id
        status
      }
    }
  }
`);

export const ReactivateSensorMutation = graphql(`
  mutation ReactivateSensor($id: ID!) {
    reactivateSensor(id: $id) {
      id
      retiredAt
      trust {
        sensorId
        status
        score
      }
    }
  }
`);

type Open = null | 'edit' | 'retire';

export function SensorAdmin({ sensor, retiredAt }: { sensor: SensorFields; retiredAt: string | null }) {
  const admin = useCan('manageRegistry');
  const [open, setOpen] = useState<Open>(null);
  const [note, setNote] = useState('');
  const [retired, retire] = useMutation(RetireSensorMutation);
  const [reactivated, reactivate] = useMutation(ReactivateSensorMutation);
  if (!admin) return null;

  async function confirmRetire(e: FormEvent) {
    e.preventDefault();
    const r = await retire({ id: sensor.id, note: note.trim() || null });
    if (!r.error) setOpen(null);
  }

  return (
    <section className="panel" aria-labelledby="sensor-admin-heading">
      <h2 id="sensor-admin-heading">Registry</h2>
      <div className="button-row">
        <button type="button" aria-expanded={open === 'edit'} onClick={() => setOpen(open === 'edit' ? null : 'edit')}>
          Edit sensor…
        </button>
        {retiredAt ? (
          <button
            type="button"
            className="primary"
            disabled={reactivated.fetching}
            onClick={() => void reactivate({ id: sensor.id })}
          >
            Reactivate
          </button>
        ) : (
          <button
            type="button"
            className="danger"
            aria-expanded={open === 'retire'}
            onClick={() => setOpen(open === 'retire' ? null : 'retire')}
          >
            Retire…
          </button>
        )}
      </div>
      {open === 'edit' && <SensorForm sensor={sensor} onDone={() => setOpen(null)} onCancel={() => setOpen(null)} />}
      {open === 'retire' && !retiredAt && (
        <form className="registry-form" onSubmit={(e) => void confirmRetire(e)} aria-label="Retire this sensor">
          <p className="small">
            Retiring takes <strong>{sensor.name}</strong> out of every fleet figure, sweep and ticket; its open tickets
            are resolved now. Its readings and history stay, and it can be reactivated.
          </p>
          <label className="stacked">
            Why (optional, recorded on the resolved tickets)
            <input value={note} onChange={(e) => setNote(e.target.value)} placeholder="replaced by …" autoFocus />
          </label>
          <div className="button-row">
            <button type="submit" className="danger" disabled={retired.fetching}>
              Confirm: retire
            </button>
            <button type="button" onClick={() => setOpen(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <MutationError error={retired.error ?? reactivated.error} />
    </section>
  );
}
