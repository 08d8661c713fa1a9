// The end of every inline form: the submit button (off while its mutation runs), Cancel,
// the form's own problem (found before sending) and the server's error with its code.
import type { CombinedError } from 'urql';
import { MutationError } from './MutationError';

export function FormActions(props: {
  submitLabel: string;
  busy: boolean;
  onCancel: () => void;
  problem?: string | null;
  error?: CombinedError | null;
}) {
  return (
    <>
      <div className="button-row">
        <button type="submit" className="primary" disabled={props.busy}>
          {props.submitLabel}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
      {props.problem && (
        <p className="form-error" role="alert">
          {props.problem}
        </p>
      )}
      <MutationError error={props.error} />
    </>
  );
}
