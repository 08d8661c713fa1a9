// ENVIRONMENT: most sensors of a zone and kind jumping the same way at once is a real change
// of the environment (a heating failure, an open door), not a sensor fault (docs/incidents.md).
// Decided from the tickets that are about to open, before they open: the pure part here, the
// SQL in environment-repository.ts. Only SPIKE and OUT_OF_RANGE are moves; a fault that is a
// sensor's own (STUCK, NOISE, DRIFT, GAP, CLOCK, OFFLINE) never is.
import type { FaultKind } from '../../trust/types.js';

export const MOVE_KINDS: readonly FaultKind[] = ['SPIKE', 'OUT_OF_RANGE'];

export interface Mover {
  sensorId: string;
  /** +1 up, -1 down, 0 unknown (no readings in the window) */
  direction: number;
}

/**
 * The sensors moving with the zone, or null when it is no environment change: at least
 * `minSensors` and `share` of the zone's `peers` (sensors of that kind) moved, and all of
 * them in one direction.
 */
export function environmentMove(
  movers: readonly Mover[],
  peers: number,
  share: number,
  minSensors: number,
): { direction: 1 | -1; sensorIds: string[] } | null {
  const up = movers.filter((m) => m.direction > 0);
  const down = movers.filter((m) => m.direction < 0);
  const [side, direction] = up.length >= down.length ? ([up, 1] as const) : ([down, -1] as const);
  const other = direction === 1 ? down : up;
  if (other.length > 0 || side.length < minSensors || side.length < Math.ceil(peers * share)) return null;
  return { direction, sensorIds: side.map((m) => m.sensorId) };
}
