// "Under maintenance until …" for a sensor, a zone tile or a ticket: only windows in force now.
const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export interface ActiveWindow {
  id: string;
  active: boolean;
  endsAt: string;
  reason?: string | null;
  createdBy?: string | null;
  zoneId?: string | null;
}

export function MaintenanceNote({ windows, compact }: { windows: readonly ActiveWindow[]; compact?: boolean }) {
  const active = windows.filter((w) => w.active);
  if (!active.length) return null;
  return (
    <>
      {active.map((w) => (
        <p key={w.id} className={`maintenance-note${compact ? ' compact' : ''}`} data-testid="maintenance-note">
          <strong>Under maintenance</strong>
          {w.zoneId && !compact && <span className="muted"> (whole zone)</span>} until {when(w.endsAt)}
          {w.createdBy && <> by {w.createdBy}</>}
          {w.reason && <>: “{w.reason}”</>}
        </p>
      ))}
    </>
  );
}
