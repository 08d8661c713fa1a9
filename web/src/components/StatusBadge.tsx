// Trust status as icon + word + colour, so it reads without colour vision.
import type { TrustStatus } from '../gql/graphql';

const LOOK: Record<TrustStatus, { icon: string; label: string }> = {
  HEALTHY: { icon: '✓', label: 'Healthy' },
  DEGRADED: { icon: '▲', label: 'Degraded' },
  FAULTY: { icon: '✕', label: 'Faulty' },
  OFFLINE: { icon: '○', label: 'Offline' },
  UNKNOWN: { icon: '?', label: 'Unknown' },
};

export const STATUS_ORDER: TrustStatus[] = ['FAULTY', 'DEGRADED', 'OFFLINE', 'UNKNOWN', 'HEALTHY'];

export function statusLabel(status: TrustStatus): string {
  return LOOK[status].label;
}

/** With `count`, reads "▲ 2 degraded" (for tallies); otherwise "▲ DEGRADED". */
export function StatusBadge({ status, count }: { status: TrustStatus; count?: number }) {
  const look = LOOK[status];
  return (
    <span className={`badge status-${status.toLowerCase()}`} title={`Status: ${look.label}`}>
      <span aria-hidden="true" className="badge-icon">
        {look.icon}
      </span>
      {count === undefined ? look.label.toUpperCase() : `${count} ${look.label.toLowerCase()}`}
    </span>
  );
}
