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
  /** Held readings with the time the stream first saw each (a monotonic clock, ms). */
  held: { row: R; seenAt: number }[];
  /** Newest event time released so far (-Infinity: none). */
  releasedTs: number;
}

export function reorderBuffer<R extends Arrival>(): ReorderBuffer<R> {
  return { held: [], releasedTs: -Infinity };
}

/** Decimal xid8 text compared as numbers. */
const xidLess = (a: string, b: string) => (a.length !== b.length ? a.length < b.length : a < b);

/** Holds readings the stream has just seen. */
export function holdReadings<R extends Arrival>(buf: ReorderBuffer<R>, rows: readonly R[], seenAt: number): void {
  for (const row of rows) buf.held.push({ row, seenAt });
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
  if (buf.held.length === 0) return [];
  const out: R[] = [];
  if (all || holdMs <= 0) {
    for (const h of buf.held) out.push(h.row);
    buf.held = [];
  } else {
    let mark = buf.releasedTs;
    const history = (r: R) => r.receivedAt != null && r.receivedAt - r.ts > historyAfterMs;
    for (const h of buf.held) if ((now - h.seenAt >= holdMs || history(h.row)) && h.row.ts > mark) mark = h.row.ts;
    // In timestamp order, each reading that follows the last releasable one closely goes too.
    if (nextWithinMs > 0) {
      const ts = buf.held.map((h) => h.row.ts).sort((a, b) => a - b);
      for (const t of ts) {
        if (t <= mark) continue;
        if (t - mark > nextWithinMs) break;
        mark = t;
      }
    }
    // The lowest log position that must stay held; everything logged before it goes.
    let stop: string | undefined;
    for (const h of buf.held) if (h.row.ts > mark && (stop === undefined || xidLess(h.row.xid, stop))) stop = h.row.xid;
    const keep: typeof buf.held = [];
    for (const h of buf.held) {
      if (stop === undefined || xidLess(h.row.xid, stop)) out.push(h.row);
      else keep.push(h);
    }
    buf.held = keep;
  }
  out.sort((a, b) => a.ts - b.ts);
  const last = out[out.length - 1];
  if (last && last.ts > buf.releasedTs) buf.releasedTs = last.ts;
  return out;
}

/** The lowest log position among held readings (undefined: none held). */
export function lowestHeld<R extends Arrival>(buf: ReorderBuffer<R>): string | undefined {
  let low: string | undefined;
  for (const h of buf.held) if (low === undefined || xidLess(h.row.xid, low)) low = h.row.xid;
  return low;
}

/** When the next reading becomes releasable on its own (undefined: none held). */
export function nextRelease<R extends Arrival>(buf: ReorderBuffer<R>, holdMs: number): number | undefined {
  let first: number | undefined;
  for (const h of buf.held) if (first === undefined || h.seenAt < first) first = h.seenAt;
  return first === undefined ? undefined : first + holdMs;
}
