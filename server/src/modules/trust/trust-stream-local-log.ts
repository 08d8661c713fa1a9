// The rows this instance's ingests have just committed, handed to its trust stream in memory,
// so that the database does not also spend its time reading them back and the stream builds
// one row object per reading instead of parsing the driver's (docs/trust-stream.md, "Rows
// handed over in memory"): on PGlite (one process, one database thread) and on PostgreSQL
// when the stream runs on the main thread.
//
// Only a shortcut, never the source of truth: the stream takes a log range from here only
// when the table holds no row in it from any other transaction (index probes of the gaps
// between the ingests' transaction ids: each ingest is ONE statement in its own transaction,
// so its rows are exactly those it handed over), and every sensor's partition is known;
// otherwise it reads the range from the database as on PostgreSQL. Rows written by anything
// but the ingest path, an ingest that committed but has not handed its rows over yet, a
// restart, a replay below what was pruned, or a log grown past its bound all fall back.
import type { SensorReadings } from './trust-service.js';
import { xidLess } from '../../db/rows.js';

/** One committed ingest statement as handed over: its transaction id and the groups it stored. */
export interface HeldIngest {
  readonly xid: string;
  /** the ingest's own groups (not copied): read them, never change them */
  readonly stored: readonly SensorReadings[];
  readonly receivedAt: number;
}

interface Entry extends HeldIngest {
  rows: number;
}

export const nextXid = (xid: string) => (BigInt(xid) + 1n).toString();

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
        for (const e of entries) if (!xidLess(e.xid, high)) high = nextXid(e.xid);
        from = high;
        entries = [];
        size = 0;
      }
    },
    /**
     * The upper end of the next range from `lowest` (exclusive), planned from the held rows:
     * `xmin` (every transaction below it has finished), or sooner, after the transaction whose
     * rows reach `limit`. Undefined when this log does not cover `lowest` (read the database).
     */
    upper(lowest: string, xmin: string, limit: number): string | undefined {
      if (from === null || xidLess(lowest, from)) return undefined;
      const held = entries.filter((e) => !xidLess(e.xid, lowest) && xidLess(e.xid, xmin));
      held.sort((a, b) => (xidLess(a.xid, b.xid) ? -1 : xidLess(b.xid, a.xid) ? 1 : 0));
      let rows = 0;
      for (const e of held) {
        rows += e.rows;
        if (rows > limit) return nextXid(e.xid);
      }
      return xmin;
    },
    /**
     * The held ingests with lowest ≤ xid < upper and their transaction ids (no copy of their
     * rows: the caller builds its own rows from them); null when this log does not cover the
     * range. Each transaction here is one ingest statement, so the table holds exactly these
     * rows for these ids; the caller checks that it holds none in between.
     */
    range(lowest: string, upper: string): { held: HeldIngest[]; xids: string[] } | null {
      if (from === null || xidLess(lowest, from)) return null;
      const held = entries.filter((e) => !xidLess(e.xid, lowest) && xidLess(e.xid, upper));
      return { held, xids: held.map((e) => e.xid) };
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
