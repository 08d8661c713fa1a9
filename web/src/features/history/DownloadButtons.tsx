// Buttons that save an export (readings as CSV or NDJSON for a range, or the tickets of
// the board's filter), saying what they saved or why the server refused.
import { useState } from 'react';
import { download, DownloadError, readingsExportUrl } from './download';

export function DownloadButton({ url, fallbackName, label }: { url: string; fallbackName: string; label: string }) {
  return <DownloadButtons items={[{ url, fallbackName, label }]} />;
}

export function DownloadButtons({ items }: { items: { url: string; fallbackName: string; label: string }[] }) {
  const [state, setState] = useState<{ busy: string | null; saved: string | null; error: string | null }>({
    busy: null,
    saved: null,
    error: null,
  });
  const run = async (item: { url: string; fallbackName: string; label: string }) => {
    setState({ busy: item.label, saved: null, error: null });
    try {
      const name = await download(item.url, item.fallbackName);
      setState({ busy: null, saved: name, error: null });
    } catch (err) {
      setState({ busy: null, saved: null, error: err instanceof DownloadError ? err.message : String(err) });
    }
  };
  return (
    <div className="downloads">
      {items.map((item) => (
        <button key={item.label} type="button" disabled={state.busy !== null} onClick={() => void run(item)}>
          {state.busy === item.label ? 'Preparing…' : item.label}
        </button>
      ))}
      <span role="status" className="muted small">
        {state.saved && `Saved ${state.saved}`}
      </span>
      {state.error && (
        <span role="alert" className="form-error">
          Download failed: {state.error}
        </span>
      )}
    </div>
  );
}

/** CSV and NDJSON of one sensor's or one zone's readings in a range (epoch ms). */
export function ReadingsDownload({
  target,
  from,
  to,
}: {
  target: { sensorId: string } | { zoneId: string };
  from: number;
  to: number;
}) {
  const base = 'sensorId' in target ? `readings-${target.sensorId}` : `readings-zone-${target.zoneId}`;
  return (
    <DownloadButtons
      items={[
        { label: 'Download CSV', url: readingsExportUrl(target, from, to, 'csv'), fallbackName: `${base}.csv` },
        {
          label: 'Download NDJSON',
          url: readingsExportUrl(target, from, to, 'ndjson'),
          fallbackName: `${base}.ndjson`,
        },
      ]}
    />
  );
}
