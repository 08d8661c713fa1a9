// Presets (1 h … 30 d), zoom buttons and an absolute from–to picker, with the time zone
// the page's times are in named beside them.
import { useId, useState, type FormEvent } from 'react';
import { formatDateTime, fromLocalInput, timeZoneLabel, toLocalInput } from '../../components/time-format';
import { customWindow, PRESETS, presetWindow, zoomIn, zoomOut, type TimeWindow } from './time-window';

export function RangePicker({
  value,
  onChange,
  zoom = true,
}: {
  value: TimeWindow;
  onChange: (next: TimeWindow) => void;
  /** Show the zoom buttons (charts); a download panel needs only the range. */
  zoom?: boolean;
}) {
  const [editing, setEditing] = useState(false);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const id = useId();

  const openCustom = () => {
    setFrom(toLocalInput(value.from));
    setTo(toLocalInput(value.to));
    setProblem(null);
    setEditing(!editing);
  };
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const a = fromLocalInput(from);
    const b = fromLocalInput(to);
    if (!a || !b) return setProblem('Give both a start and an end.');
    if (b.getTime() <= a.getTime()) return setProblem('The end must be after the start.');
    setEditing(false);
    onChange(customWindow(a.getTime(), b.getTime()));
  };

  return (
    <div className="range-controls">
      <div className="range-picker" role="group" aria-label="Time range">
        {PRESETS.map((p) => (
          <button
            key={p.key}
            type="button"
            aria-pressed={p.key === value.key}
            onClick={() => onChange(presetWindow(p.key, Date.now()))}
          >
            {p.label}
          </button>
        ))}
        <button type="button" aria-pressed={value.key === 'custom'} aria-expanded={editing} onClick={openCustom}>
          Custom…
        </button>
        {zoom && (
          <>
            <button
              type="button"
              aria-label="Zoom in"
              title="Zoom in (half the range)"
              onClick={() => onChange(zoomIn(value))}
            >
              +
            </button>
            <button
              type="button"
              aria-label="Zoom out"
              title="Zoom out (twice the range)"
              onClick={() => onChange(zoomOut(value, Date.now()))}
            >
              −
            </button>
          </>
        )}
      </div>
      <p className="range-shown muted small" data-testid="range-shown">
        {formatDateTime(value.from)} – {formatDateTime(value.to)} · times in {timeZoneLabel(value.to)}
      </p>
      {editing && (
        <form className="range-form" onSubmit={apply} aria-label="Custom time range">
          <label htmlFor={`${id}-from`}>From</label>
          <input id={`${id}-from`} type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
          <label htmlFor={`${id}-to`}>To</label>
          <input id={`${id}-to`} type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
          <button type="submit">Show</button>
          {problem && (
            <span role="alert" className="form-error">
              {problem}
            </span>
          )}
        </form>
      )}
    </div>
  );
}
