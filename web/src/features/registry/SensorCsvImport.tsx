// Registers many sensors at once from a CSV file (upsertSensors, 1,000 a request) and
// shows what happened to every row: created, updated, refused by the server (with its
// code and field) or not sent because the file itself was wrong there.
import { useState, type ChangeEvent } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../../gql';
import { parseSensorCsv, SENSOR_CSV_COLUMNS, type ParsedSensors } from './sensor-csv';

export const UpsertSensorsMutation = graphql(`
  mutation UpsertSensors($inputs: [SensorInput!]!) {
    upsertSensors(inputs: $inputs) {
      created
      updated
      rejected
      outcomes {
        index
        id
        status
        code
        field
        message
      }
    }
  }
`);

/** Rows a request carries (the server's batch limit is larger). */
const CHUNK = 1000;

interface RowOutcome {
  line: number;
  id: string;
  status: 'CREATED' | 'UPDATED' | 'REJECTED' | 'NOT SENT';
  message: string | null;
}

export function SensorCsvImport({ onDone }: { onDone: () => void }) {
  const [file, setFile] = useState<{ name: string; parsed: ParsedSensors } | null>(null);
  const [outcomes, setOutcomes] = useState<RowOutcome[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [, upsert] = useMutation(UpsertSensorsMutation);

  const choose = async (e: ChangeEvent<HTMLInputElement>) => {
    const chosen = e.target.files?.[0];
    setOutcomes(null);
    setFailure(null);
    if (!chosen) return setFile(null);
    setFile({ name: chosen.name, parsed: parseSensorCsv(await chosen.text()) });
  };

  const run = async () => {
    if (!file) return;
    setBusy(true);
    setFailure(null);
    const rows = file.parsed.rows;
    const results: RowOutcome[] = rows.map((r) => ({
      line: r.line,
      id: r.id,
      status: 'NOT SENT',
      message: r.problem,
    }));
    const sendable = rows.map((r, i) => ({ r, i })).filter(({ r }) => r.input !== null);
    try {
      for (let start = 0; start < sendable.length; start += CHUNK) {
        const chunk = sendable.slice(start, start + CHUNK);
        const res = await upsert({ inputs: chunk.map(({ r }) => r.input!) });
        if (res.error || !res.data) {
          const sent = start;
          for (const { i } of sendable.slice(start)) results[i]!.message = 'not sent: the import stopped';
          setFailure(`${res.error?.message ?? 'No answer'} (after ${sent} rows were sent)`);
          break;
        }
        for (const o of res.data.upsertSensors.outcomes) {
          const at = chunk[o.index]!.i;
          results[at] = {
            ...results[at]!,
            status: o.status,
            message: o.status === 'REJECTED' ? `${o.code}${o.field ? ` (${o.field})` : ''}: ${o.message ?? ''}` : null,
          };
        }
      }
    } finally {
      setBusy(false);
    }
    setOutcomes(results);
    onDone();
  };

  const counts = outcomes && {
    created: outcomes.filter((o) => o.status === 'CREATED').length,
    updated: outcomes.filter((o) => o.status === 'UPDATED').length,
    rejected: outcomes.filter((o) => o.status === 'REJECTED').length,
    notSent: outcomes.filter((o) => o.status === 'NOT SENT').length,
  };
  const rows = file?.parsed.rows ?? [];
  const bad = rows.filter((r) => r.problem).length;

  return (
    <section className="panel csv-import" aria-labelledby="csv-import-heading">
      <h2 id="csv-import-heading">Import sensors from CSV</h2>
      <p className="muted small">
        A header row naming the columns (any order): {SENSOR_CSV_COLUMNS.join(', ')}; id, name and kind are required. An
        existing id is updated in place. Every row gets its own outcome: one bad row never stops the others.
      </p>
      <input type="file" accept=".csv,text/csv" aria-label="CSV file of sensors" onChange={(e) => void choose(e)} />
      {file?.parsed.problem && (
        <p className="form-error" role="alert">
          {file.name}: {file.parsed.problem}
        </p>
      )}
      {file && !file.parsed.problem && (
        <div className="button-row">
          <button type="button" className="primary" disabled={busy || rows.length === bad} onClick={() => void run()}>
            {busy ? 'Importing…' : `Import ${rows.length - bad} sensor${rows.length - bad === 1 ? '' : 's'}`}
          </button>
          <span className="muted small">
            {file.name}: {rows.length} rows{bad > 0 && `, ${bad} with a problem in the file (not sent)`}
          </span>
        </div>
      )}
      {failure && (
        <p className="form-error" role="alert">
          Import failed: {failure}
        </p>
      )}
      {counts && outcomes && (
        <>
          <p role="status" data-testid="import-summary">
            {counts.created} created · {counts.updated} updated · {counts.rejected} rejected
            {counts.notSent > 0 && ` · ${counts.notSent} not sent`}
          </p>
          <div className="import-results table-scroll">
            <table className="data-table" data-testid="import-results">
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Id</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {outcomes.map((o) => (
                  <tr
                    key={o.line}
                    className={o.status === 'REJECTED' || o.status === 'NOT SENT' ? 'rejected' : undefined}
                  >
                    <td>{o.line}</td>
                    <td>{o.id}</td>
                    <td>{o.status.toLowerCase()}</td>
                    <td>{o.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
