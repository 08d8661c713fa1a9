// Reorder before the engine (docs/trust-stream.md, "Reorder before the engine").
//
// Parallel uploaders commit consecutive batches out of order, so the trust stream can
// read a sensor's newer readings a moment before its older ones. Each sensor's readings
// are held for a short arrival time (`holdMs`, TRUST_REORDER_MS) after the stream first
// saw them and released in timestamp order: a reading is released once a reading at
// least as new has been held for `holdMs`, so every reading waits at most `holdMs`, and
// readings that arrive within `holdMs` of each other reach the engine in timestamp order
// whatever their commit order. Only a reading later than that is out of order for the
// engine (its event-time lateness bound then decides whether it is late). A reading that
// follows the last released one by at most about an interval is the sensor's next reading
// and goes at once: in-order live data waits for nothing; what waits is a reading after a
// gap, whose predecessor may still be in flight.
//
// History goes at once: a reading received more than the engine's lateness bound after its
// own timestamp (an import of old data) is released without waiting. Holding it cannot help
// (an import moves through more event time in one hold than the lateness bound covers, so a
// predecessor still in flight would be late for the engine anyway), and it would hurt: while
// one sensor's history waits, its zone's peers run ahead in event time and their DRIFT windows
// are judged without it.
//
// Releases follow log order as well: nothing is released while an earlier-logged
// reading of the same sensor is held. So what the engine has applied is always exactly
// the sensor's readings below one log position (its lowest held one), which is what the
// stream's checkpoint records and a replay skips. Pure: no I/O, no clock.

export interface Arrival {
  /** event time, epoch ms */
  ts: number;
  /** log position (xid8 as decimal text) */
  xid: string;
  /** when the server received it, epoch ms (null: unknown, treated as live) */
  receivedAt?: number | null;
}

export interface ReorderBuffer<R extends Arrival> {
  /**
   * Held readings, and beside each (same index) the time the stream first saw it (a monotonic
   * clock, ms): two parallel arrays, no wrapper object per reading.
   */
  held: R[];
  seenAt: number[];
  /** Newest event time released so far (-Infinity: none). */
  releasedTs: number;
}

export function reorderBuffer<R extends Arrival>(): ReorderBuffer<R> {
  return { held: [], seenAt: [], releasedTs: -Infinity };
}

/** Decimal xid8 text compared as numbers. */
const xidLess = (a: string, b: string) => (a.length !== b.length ? a.length < b.length : a < b);

/** Holds readings the stream has just seen. */
export function holdReadings<R extends Arrival>(buf: ReorderBuffer<R>, rows: readonly R[], seenAt: number): void {
  for (const row of rows) {
    buf.held.push(row);
    buf.seenAt.push(seenAt);
  }
}

const byTs = (a: Arrival, b: Arrival) => a.ts - b.ts;

/** In timestamp order already (the usual case: one reading, or a sensor's readings in order). */
function sortedByTs(rows: readonly Arrival[]): boolean {
  for (let i = 1; i < rows.length; i++) if (rows[i]!.ts < rows[i - 1]!.ts) return false;
  return true;
}

/**
 * Takes what may reach the engine at `now`, in timestamp order: readings no newer than the
 * newest one released before, held for at least `holdMs`, or received as history (more than
 * `historyAfterMs` after its timestamp); readings that follow the newest released (or
 * releasable) one by at most `nextWithinMs` (the sensor's next reading: nothing of it can still
 * be in flight, unless it reports faster than configured), at once; and only those logged before
 * every reading still held. `all` releases everything (a barrier, shutdown).
 */
export function releaseReadings<R extends Arrival>(
  buf: ReorderBuffer<R>,
  now: number,
  holdMs: number,
  all = false,
  nextWithinMs = 0,
  historyAfterMs = Infinity,
): R[] {
  const held = buf.held;
  if (held.length === 0) return [];
  let out: R[];
  if (all || holdMs <= 0) {
    out = held;
    buf.held = [];
    buf.seenAt = [];
  } else {
    let mark = buf.releasedTs;
    for (let i = 0; i < held.length; i++) {
      const r = held[i]!;
      const history = r.receivedAt != null && r.receivedAt - r.ts > historyAfterMs;
      if ((now - buf.seenAt[i]! >= holdMs || history) && r.ts > mark) mark = r.ts;
    }
    // In timestamp order, each reading that follows the last releasable one closely goes too.
    if (nextWithinMs > 0) {
      if (held.length === 1) {
        const t = held[0]!.ts;
        if (t > mark && t - mark <= nextWithinMs) mark = t;
      } else {
        const ts = held.map((h) => h.ts).sort((a, b) => a - b);
        for (const t of ts) {
          if (t <= mark) continue;
          if (t - mark > nextWithinMs) break;
          mark = t;
        }
      }
    }
    // The lowest log position that must stay held; everything logged before it goes.
    let stop: string | undefined;
    for (const h of held) if (h.ts > mark && (stop === undefined || xidLess(h.xid, stop))) stop = h.xid;
    if (stop === undefined) {
      // Everything goes (in-order live data): the held array itself is the release.
      out = held;
      buf.held = [];
      buf.seenAt = [];
    } else {
      out = [];
      const keep: R[] = [];
      const keepSeen: number[] = [];
      for (let i = 0; i < held.length; i++) {
        const h = held[i]!;
        if (xidLess(h.xid, stop)) out.push(h);
        else {
          keep.push(h);
          keepSeen.push(buf.seenAt[i]!);
        }
      }
      buf.held = keep;
      buf.seenAt = keepSeen;
    }
  }
  if (!sortedByTs(out)) out.sort(byTs);
  const last = out[out.length - 1];
  if (last && last.ts > buf.releasedTs) buf.releasedTs = last.ts;
  return out;
}

/** The lowest log position among held readings (undefined: none held). */
export function lowestHeld<R extends Arrival>(buf: ReorderBuffer<R>): string | undefined {
  let low: string | undefined;
  for (const h of buf.held) if (low === undefined || xidLess(h.xid, low)) low = h.xid;
  return low;
}

/** When the next reading becomes releasable on its own (undefined: none held). */
export function nextRelease<R extends Arrival>(buf: ReorderBuffer<R>, holdMs: number): number | undefined {
  let first: number | undefined;
  for (const seen of buf.seenAt) if (first === undefined || seen < first) first = seen;
  return first === undefined ? undefined : first + holdMs;
}
