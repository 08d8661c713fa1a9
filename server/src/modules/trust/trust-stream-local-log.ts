// Embedded mode (PGlite: one process, one database thread): the rows an ingest has just
// committed, handed to the trust stream in memory, so that the database thread does not
// also spend its time reading them back (docs/trust-stream.md, "Embedded mode").
//
// Only a shortcut, never the source of truth: the stream takes a log range from here only
// when this log holds, for every transaction id in it, exactly as many rows as the table
// does (one grouped index count in the same transaction), and every sensor's partition is
// known; otherwise it reads the range from the database as on PostgreSQL. Rows written by anything but the ingest path, a
// restart, a replay below what was pruned, or a log grown past its bound all fall back.
import type { SensorReadings } from './trust-service.js';
import { xidLess } from '../../db/rows.js';

export interface LocalRow {
  sensorId: string;
  ts: number;
  value: number;
  receivedAt: number;
  xid: string;
}

interface Entry {
  xid: string;
  stored: SensorReadings[];
  receivedAt: number;
  rows: number;
}

const next = (xid: string) => (BigInt(xid) + 1n).toString();

export function createLocalLog(limitRows = 200_000) {
  /** Every ingest with an id at or above this went through offer() (null: not started). */
  let from: string | null = null;
  let entries: Entry[] = [];
  let size = 0;

  return {
    /** Starts holding: `position` = every transaction below it had finished (pg_snapshot_xmax). */
    start(position: string): void {
      from = position;
      entries = [];
      size = 0;
    },
    /** A committed ingest statement's rows (only those it stored: duplicates left out). */
    offer(xid: string, stored: SensorReadings[], receivedAt: number): void {
      // Below `from`: the stream may have read past it already (it commits before this call).
      if (from === null || xidLess(xid, from)) return;
      let rows = 0;
      for (const g of stored) rows += g.samples.length;
      entries.push({ xid, stored, receivedAt, rows });
      size += rows;
      if (size > limitRows) {
        // The stream is far behind: stop holding; these ranges are read from the database.
        let high = from;
        for (const e of entries) if (!xidLess(e.xid, high)) high = next(e.xid);
        from = high;
        entries = [];
        size = 0;
      }
    },
    /**
     * The held rows with lowest ≤ xid < upper, given the table's row count per transaction id
     * in that range; null when this log does not hold exactly those.
     */
    range(lowest: string, upper: string, stored: ReadonlyMap<string, number>): LocalRow[] | null {
      if (from === null || xidLess(lowest, from)) return null;
      const held = entries.filter((e) => !xidLess(e.xid, lowest) && xidLess(e.xid, upper));
      if (held.length !== stored.size || held.some((e) => stored.get(e.xid) !== e.rows)) return null;
      const out: LocalRow[] = [];
      for (const e of held) {
        for (const { profile, samples } of e.stored)
          for (const s of samples) {
            // The table keeps whole milliseconds: anything finer is read from it instead.
            if (!Number.isInteger(s.ts)) return null;
            out.push({ sensorId: profile.id, ts: s.ts, value: s.value, receivedAt: e.receivedAt, xid: e.xid });
          }
      }
      return out;
    },
    /** Forgets rows below `below` (every owned partition's cursor is past them). */
    prune(below: string): void {
      if (from === null) return;
      if (xidLess(from, below)) from = below;
      const kept: Entry[] = [];
      size = 0;
      for (const e of entries)
        if (!xidLess(e.xid, below)) {
          kept.push(e);
          size += e.rows;
        }
      entries = kept;
    },
  };
}

export type LocalLog = ReturnType<typeof createLocalLog>;
