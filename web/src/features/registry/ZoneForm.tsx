// Create a zone or rename / describe one (ADMIN).
import { useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { MutationError } from '../../components/MutationError';
import { graphql } from '../../gql';

export const UpsertZoneMutation = graphql(`
  mutation UpsertZone($input: ZoneInput!) {
    upsertZone(input: $input) {
      id
      name
      description
    }
  }
`);

export function ZoneForm(props: {
  zone?: { id: string; name: string; description?: string | null };
  onDone: (id: string) => void;
  onCancel: () => void;
}) {
  const editing = props.zone;
  const [result, upsert] = useMutation(UpsertZoneMutation);
  const [id, setId] = useState(editing?.id ?? '');
  const [name, setName] = useState(editing?.name ?? '');
  const [description, setDescription] = useState(editing?.description ?? '');

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await upsert({ input: { id: id.trim(), name: name.trim(), description: description.trim() || null } });
    if (!r.error && r.data) props.onDone(r.data.upsertZone.id);
  }

  return (
    <form
      className="registry-form"
      onSubmit={(e) => void submit(e)}
      aria-label={editing ? `Edit zone ${editing.id}` : 'New zone'}
    >
      <div className="form-grid">
        <label>
          Id
          <input
            required
            value={id}
            onChange={(e) => setId(e.target.value)}
            readOnly={!!editing}
            placeholder="hall-a"
            autoFocus={!editing}
          />
        </label>
        <label>
          Name
          <input required value={name} onChange={(e) => setName(e.target.value)} autoFocus={!!editing} />
        </label>
        <label className="wide">
          Description
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
      </div>
      <div className="button-row">
        <button type="submit" className="primary" disabled={result.fetching}>
          {editing ? 'Save zone' : 'Create zone'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
      <MutationError error={result.error} />
    </form>
  );
}
