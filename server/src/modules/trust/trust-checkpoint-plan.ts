// The checkpoint planner: where each owned partition's stored position may move at a
// commit. Pure (no I/O), so the recovery argument of docs/trust-stream.md is tested here.
import { xidLess } from '../../db/rows.js';
import type { StoredPosition } from './trust-stream-repository.js';

export const xidMin = (a: string, b: string) => (xidLess(b, a) ? b : a);

/** An owned partition as the planner sees it. */
export interface PartitionCursor {
  /** the read position: every log row below it has been read */
  cursor: string;
  /** the rollup position stored at the last checkpoint */
  storedRollup: string;
}

/** A sensor in memory as the planner sees it. */
export interface SensorPosition {
  sensorId: string;
  partition: number;
  /** position of the first applied row not yet written, or null when the row is written */
  dirtyFrom: string | null;
  /** lowest log position still held in the reorder buffer, if any */
  lowestHeld: string | undefined;
}

/**
 * Each partition's new checkpoint: its read cursor, held back to its rollup position, to
 * the first unwritten applied row of each sensor not written by this commit, and to each
 * sensor's lowest held row (not applied yet: a replay must read it again).
 */
export function planCheckpoints(
  partitions: Iterable<[number, PartitionCursor]>,
  sensors: Iterable<SensorPosition>,
  rollups: ReadonlyMap<number, string>,
  written: ReadonlySet<string>,
): Map<number, StoredPosition> {
  const out = new Map<number, StoredPosition>();
  for (const [p, part] of partitions) {
    const rollup = rollups.get(p) ?? part.storedRollup;
    out.set(p, { position: xidMin(part.cursor, rollup), rollup });
  }
  for (const s of sensors) {
    const cp = out.get(s.partition);
    if (!cp) continue;
    if (s.dirtyFrom !== null && !written.has(s.sensorId)) cp.position = xidMin(cp.position, s.dirtyFrom);
    if (s.lowestHeld !== undefined) cp.position = xidMin(cp.position, s.lowestHeld);
  }
  return out;
}
