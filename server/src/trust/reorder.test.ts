import { describe, expect, it } from 'vitest';
import { holdReadings, lowestHeld, nextRelease, releaseReadings, reorderBuffer, type Arrival } from './reorder.js';

const row = (ts: number, xid: number): Arrival => ({ ts, xid: String(xid) });
const times = (rows: Arrival[]) => rows.map((r) => r.ts);

describe('reorder before the engine', () => {
  it('holds readings for the hold and releases them in timestamp order', () => {
    const buf = reorderBuffer<Arrival>();
    holdReadings(buf, [row(120, 11)], 0); // the newer batch commits first
    expect(releaseReadings(buf, 0, 200)).toEqual([]);
    holdReadings(buf, [row(60, 12)], 150); // the older one 150 ms later
    expect(releaseReadings(buf, 150, 200)).toEqual([]);
    expect(nextRelease(buf, 200)).toBe(200);
    expect(times(releaseReadings(buf, 200, 200))).toEqual([60, 120]);
    expect(buf.held).toHaveLength(0);
    expect(buf.seenAt).toHaveLength(0);
  });

  it('history (received later than the lateness bound after its timestamp) is not held; live readings still are', () => {
    const buf = reorderBuffer<Arrival>();
    const lateness = 600_000;
    const old = (ts: number, xid: number): Arrival => ({ ts, xid: String(xid), receivedAt: ts + 3_600_000 });
    // an import: readings an hour old, 3 minutes apart (a gap for a 60 s sensor)
    holdReadings(buf, [old(0, 11), old(180_000, 11)], 0);
    expect(times(releaseReadings(buf, 0, 200, false, 90_000, lateness))).toEqual([0, 180_000]);
    // a live reading after a gap waits its hold
    holdReadings(buf, [{ ts: 7_200_000, xid: '12', receivedAt: 7_200_500 }], 10);
    expect(times(releaseReadings(buf, 10, 200, false, 90_000, lateness))).toEqual([]);
    expect(times(releaseReadings(buf, 210, 200, false, 90_000, lateness))).toEqual([7_200_000]);
    // without the bound (the default) an import waits like live data
    const again = reorderBuffer<Arrival>();
    holdReadings(again, [old(0, 11)], 0);
    expect(times(releaseReadings(again, 0, 200, false, 90_000))).toEqual([]);
  });

  it('a reading that arrives after the hold is released at once, out of order (the engine judges it late)', () => {
    const buf = reorderBuffer<Arrival>();
    holdReadings(buf, [row(120, 11)], 0);
    expect(times(releaseReadings(buf, 250, 200))).toEqual([120]);
    holdReadings(buf, [row(60, 12)], 300);
    expect(times(releaseReadings(buf, 300, 200))).toEqual([60]);
  });

  it('the newest reading waits its own hold; older ones go with the newest one held long enough', () => {
    const buf = reorderBuffer<Arrival>();
    holdReadings(buf, [row(60, 11), row(120, 11)], 0);
    holdReadings(buf, [row(180, 12)], 100);
    expect(times(releaseReadings(buf, 200, 200))).toEqual([60, 120]);
    expect(times(releaseReadings(buf, 250, 200))).toEqual([]);
    expect(times(releaseReadings(buf, 300, 200))).toEqual([180]);
  });

  it('never releases a reading logged after one still held, so the applied rows are those below one log position', () => {
    const buf = reorderBuffer<Arrival>();
    holdReadings(buf, [row(100, 10)], 0);
    holdReadings(buf, [row(300, 11), row(90, 12)], 0); // read in one range: xid 11 newest, xid 12 old
    holdReadings(buf, [row(200, 13)], 150);
    // at 200: the mark is 300 (xid 11 held 200 ms): everything up to 300 may go, 200 too
    expect(times(releaseReadings(buf, 200, 200))).toEqual([90, 100, 200, 300]);

    const b2 = reorderBuffer<Arrival>();
    holdReadings(b2, [row(100, 10)], 0);
    holdReadings(b2, [row(300, 11)], 150); // not yet releasable
    holdReadings(b2, [row(50, 12)], 150); // releasable (older than 100) but logged after xid 11
    expect(times(releaseReadings(b2, 200, 200))).toEqual([100]);
    expect(lowestHeld(b2)).toBe('11');
    expect(times(releaseReadings(b2, 350, 200))).toEqual([50, 300]);
    expect(lowestHeld(b2)).toBeUndefined();
  });

  it('compares log positions as numbers, not as text', () => {
    const buf = reorderBuffer<Arrival>();
    holdReadings(buf, [row(300, 9)], 150);
    holdReadings(buf, [row(100, 10)], 0);
    expect(lowestHeld(buf)).toBe('9');
    // xid 10 is releasable but logged after the held xid 9
    expect(times(releaseReadings(buf, 200, 200))).toEqual([]);
  });

  it('a barrier releases everything; a hold of 0 holds nothing', () => {
    const buf = reorderBuffer<Arrival>();
    holdReadings(buf, [row(120, 11), row(60, 12)], 0);
    expect(times(releaseReadings(buf, 1, 200, true))).toEqual([60, 120]);
    holdReadings(buf, [row(240, 13), row(180, 13)], 5);
    expect(times(releaseReadings(buf, 5, 0))).toEqual([180, 240]);
    expect(buf.releasedTs).toBe(240);
  });

  it("the sensor's next reading (within nextWithinMs of the last one) goes at once; one after a gap waits", () => {
    const buf = reorderBuffer<Arrival>();
    buf.releasedTs = 0;
    holdReadings(buf, [row(60, 11)], 0);
    expect(times(releaseReadings(buf, 0, 200, false, 90))).toEqual([60]);
    // two intervals on: its predecessor may be in flight
    holdReadings(buf, [row(180, 12)], 10);
    expect(times(releaseReadings(buf, 10, 200, false, 90))).toEqual([]);
    // the predecessor arrives: both are in sequence now
    holdReadings(buf, [row(120, 13)], 20);
    expect(times(releaseReadings(buf, 20, 200, false, 90))).toEqual([120, 180]);
    // live data in order: several next readings in one tick go at once, in order
    holdReadings(buf, [row(240, 14), row(300, 14), row(360, 15)], 30);
    expect(times(releaseReadings(buf, 30, 200, false, 90))).toEqual([240, 300, 360]);
    expect(buf.releasedTs).toBe(360);
    // in order but with a gap inside: those before the gap go, the rest waits
    holdReadings(buf, [row(420, 16), row(600, 17)], 40);
    expect(times(releaseReadings(buf, 40, 200, false, 90))).toEqual([420]);
    expect(times(releaseReadings(buf, 240, 200, false, 90))).toEqual([600]);
    // a new sensor (nothing released yet) waits the hold
    const fresh = reorderBuffer<Arrival>();
    holdReadings(fresh, [row(60, 20), row(120, 20)], 0);
    expect(times(releaseReadings(fresh, 0, 200, false, 90))).toEqual([]);
    expect(times(releaseReadings(fresh, 200, 200, false, 90))).toEqual([60, 120]);
  });
});
