// Silences of a sensor, a zone or a ticket: who silenced it, why and until when, with
// "Silence…" and "Unsilence" for OPERATOR and ADMIN. A silenced target's tickets still
// open, escalate and resolve; only their notifications are not sent.
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { useCan } from '../../app/use-permission';
import { FormActions } from '../../components/FormActions';
import { MutationError } from '../../components/MutationError';
import { formatDateTime } from '../../components/time-format';
import { graphql, useFragment, type FragmentType } from '../../gql';
import type { SilenceTarget } from '../../gql/graphql';

export const SilenceFragment = graphql(`
  fragment Silence_silence on Silence {
    id
    sensorId
    ticketId
    zoneId
    incidentId
    until
    note
    createdBy
  }
`);

export const SilenceMutation = graphql(`
  mutation Silence($target: SilenceTarget!, $until: DateTime!, $note: String!) {
    silence(target: $target, until: $until, note: $note) {
      id
      ...Silence_silence
    }
  }
`);

export const UnsilenceMutation = graphql(`
  mutation Unsilence($id: ID!) {
    unsilence(id: $id) {
      id
      until
      active
    }
  }
`);

/** How the silence reached this target, for a sensor page showing its zone's silence. */
function scopeOf(s: { sensorId?: string | null; zoneId?: string | null; ticketId?: string | null }): string {
  if (s.zoneId) return 'whole zone';
  if (s.ticketId) return 'this ticket';
  if (s.sensorId) return 'this sensor';
  return 'incident';
}

/** One line per silence: "Silenced (whole zone) until 7 Dec, 10:00 by ops: replacing the probe". */
export function SilenceNotes(props: {
  silences: FragmentType<typeof SilenceFragment>[];
  onChange?: () => void;
  compact?: boolean;
}) {
  const silences = useFragment(SilenceFragment, props.silences);
  const operator = useCan('operate');
  const [ended, unsilence] = useMutation(UnsilenceMutation);
  if (!silences.length) return null;
  return (
    <>
      <ul className={`silence-list${props.compact ? ' compact' : ''}`} aria-label="Silences">
        {silences.map((s) => (
          <li key={s.id} className="silence-note" data-testid="silence">
            <strong>Silenced</strong>
            {!props.compact && <span className="muted"> ({scopeOf(s)})</span>} until {formatDateTime(s.until)} by{' '}
            {s.createdBy}: “{s.note}”
            {operator && props.onChange && (
              <button
                type="button"
                className="link-button"
                disabled={ended.fetching}
                onClick={() =>
                  void unsilence({ id: s.id }).then((r) => {
                    if (!r.error) props.onChange?.();
                  })
                }
              >
                Unsilence
              </button>
            )}
          </li>
        ))}
      </ul>
      <MutationError error={ended.error} />
    </>
  );
}

const DURATIONS = [
  { label: '1 h', hours: 1 },
  { label: '4 h', hours: 4 },
  { label: '24 h', hours: 24 },
  { label: '7 d', hours: 168 },
];

/** The "Silence…" button and its form (note and how long), for OPERATOR and ADMIN. */
export function SilenceForm({ target, label, onDone }: { target: SilenceTarget; label: string; onDone: () => void }) {
  const operator = useCan('operate');
  const [open, setOpen] = useState(false);
  const [hours, setHours] = useState(4);
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [state, silence] = useMutation(SilenceMutation);
  if (!operator) return null;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!note.trim()) {
      setProblem('Say why: the note is shown to everyone who sees the silence.');
      return;
    }
    setProblem(null);
    const r = await silence({ target, until: new Date(Date.now() + hours * 3600_000).toISOString(), note });
    if (!r.error) {
      setOpen(false);
      setNote('');
      onDone();
    }
  }

  return (
    <div className="silence-form">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        Silence {label}…
      </button>
      {open && (
        <form className="registry-form" onSubmit={(e) => void submit(e)} aria-label={`Silence ${label}`}>
          <p className="muted small">Its tickets still open and resolve, but notify nobody until the silence ends.</p>
          <div className="form-grid">
            <label>
              For
              <select value={hours} onChange={(e) => setHours(Number(e.target.value))}>
                {DURATIONS.map((d) => (
                  <option key={d.hours} value={d.hours}>
                    {d.label}
                  </option>
                ))}
              </select>
            </label>
            <label className="wide">
              Why
              <input value={note} onChange={(e) => setNote(e.target.value)} placeholder="replacing the probe" />
            </label>
          </div>
          <FormActions
            submitLabel="Silence"
            busy={state.fetching}
            onCancel={() => setOpen(false)}
            problem={problem}
            error={state.error}
          />
        </form>
      )}
    </div>
  );
}
