// The trust stream's memory and loop as state machines: each transition checks its
// preconditions, and the checkpoint a partition may store follows what is unwritten or held.
import { describe, expect, it } from 'vitest';
import { StreamMemory, StreamMemoryError } from '../src/modules/trust/trust-stream-memory.js';
import { IllegalLoopTransition, StreamLoop, type LoopMode } from '../src/modules/trust/trust-stream-loop.js';
import type { TrustWrite } from '../src/modules/trust/trust-state-repository.js';
import type { LogRow, StreamSensorRow } from '../src/modules/trust/trust-stream-repository.js';
import { createStateRestorer } from '../src/modules/trust/state-restore.js';
import { releaseReadings } from '../src/trust/index.js';

const restorer = createStateRestorer({ warn: () => {} });
const row = (sensorId: string): StreamSensorRow => ({
  sensorId,
  engineState: null,
  status: 'HEALTHY',
  score: 50,
  reasons: [],
  statusSince: null,
  version: 1,
  streamPosition: '100',
  streamPartition: 0,
  registeredAt: null,
});
const write = (sensorId: string): TrustWrite => ({
  sensorId,
  engineState: {},
  score: 60,
  status: 'HEALTHY',
  severity: 'NONE',
  reasons: [],
  lastEvaluated: 0,
  lastReadingAt: null,
  lastValue: 1,
  statusSince: null,
});
const log = (sensorId: string, xid: string, ts: number): LogRow => ({
  sensorId,
  ts,
  value: 1,
  receivedAt: ts,
  xid,
  part: 0,
});
const result = (id: string) => ({ write: write(id), points: [], changes: [] });

function memoryWithSensor(): StreamMemory {
  const memory = new StreamMemory(restorer);
  memory.opened(0, { position: '100', rollup: '100' });
  memory.loaded(row('a'), 0, 0, null);
  return memory;
}

describe('trust stream memory', () => {
  it('refuses transitions whose preconditions do not hold', () => {
    const memory = memoryWithSensor();
    expect(() => memory.opened(0, { position: '1', rollup: '1' })).toThrow(StreamMemoryError);
    expect(() => memory.loaded(row('a'), 0, 0, null)).toThrow(/loaded already/);
    expect(() => memory.loaded(row('b'), 7, 0, null)).toThrow(/not open/);
    expect(() => memory.readTo(3, '200')).toThrow(/partition 3 is not open/);
    expect(() => memory.applied('nobody', result('nobody'), '120', false)).toThrow(/not in memory/);
    expect(() => memory.committed('a', 1)).toThrow(/nothing unwritten/);
    expect(() => memory.moved('a', 5)).toThrow(/not open/);
  });

  it('applied work holds the checkpoint back until committed; the cursor never moves back', () => {
    const memory = memoryWithSensor();
    memory.readTo(0, '200');
    memory.readTo(0, '150');
    expect(memory.partition(0)?.cursor).toBe('200');
    memory.applied('a', result('a'), '120', false);
    expect(memory.sensor('a')?.sensor.streamPosition).toBe('200');
    expect(memory.checkpoints(new Map([[0, '200']]), new Set()).get(0)).toEqual({ position: '120', rollup: '200' });
    // Written by this commit: the partition moves to its cursor.
    expect(memory.checkpoints(new Map([[0, '200']]), new Set(['a'])).get(0)).toEqual({
      position: '200',
      rollup: '200',
    });
    memory.committed('a', 5);
    expect(memory.sensor('a')).toMatchObject({ pending: null, dirtyFrom: null, urgent: false, writtenAt: 5 });
    expect(memory.sensor('a')?.sensor.version).toBe(2);
  });

  it('a held reading keeps the applied position and the checkpoint below it until released', () => {
    const memory = memoryWithSensor();
    memory.held('a', [log('a', '150', 2000)], 0);
    memory.readTo(0, '200');
    expect(memory.holding().has('a')).toBe(true);
    memory.applied('a', result('a'), null, false);
    expect(memory.sensor('a')?.sensor.streamPosition).toBe('150');
    expect(memory.checkpoints(new Map(), new Set(['a'])).get(0)?.position).toBe('100');
    const rows = memory.released('a', (buf) => releaseReadings(buf, 10_000, 200, true, 0, Infinity));
    expect(rows.map((r) => r.xid)).toEqual(['150']);
    expect(memory.holding().has('a')).toBe(false);
  });

  it('leaving forgets a written sensor at once and writes an unwritten one first', () => {
    const memory = memoryWithSensor();
    memory.leaving('a');
    expect(memory.sensor('a')).toBeUndefined();
    memory.loaded(row('a'), 0, 0, null);
    memory.applied('a', result('a'), '120', false);
    memory.leaving('a');
    expect(memory.sensor('a')?.urgent).toBe(true);
  });

  it('replayed forgets the given partitions with their sensors, or everything', () => {
    const memory = memoryWithSensor();
    memory.opened(1, { position: '100', rollup: '100' });
    memory.loaded(row('b'), 1, 0, null);
    memory.replayed([0]);
    expect(memory.partition(0)).toBeUndefined();
    expect(memory.sensor('a')).toBeUndefined();
    expect(memory.sensor('b')).toBeDefined();
    memory.replayed();
    expect([...memory.partitions()]).toEqual([]);
    expect(memory.sensor('b')).toBeUndefined();
  });
});

describe('trust stream loop', () => {
  it('rests after work, idles without it, wakes for a kick, and stops after the final step', async () => {
    const modes: LoopMode[] = [];
    let work = [true, false];
    const loop: StreamLoop = new StreamLoop(
      async () => {
        modes.push(loop.mode);
        return work.shift() ?? false;
      },
      { intervalMs: 30, pollMs: 60_000 },
    );
    loop.start();
    await new Promise((r) => setTimeout(r, 80));
    // Worked, rested, found nothing: idle for the long poll.
    expect(loop.mode).toBe('idle');
    work = [false];
    const before = modes.length;
    loop.kick(false);
    await new Promise((r) => setTimeout(r, 20));
    expect(modes.length).toBe(before + 1);
    // A barrier's wait: the next tick comes at once and runs with flushAll.
    await loop.nextTick();
    let finalRan = false;
    await loop.stop(async () => {
      finalRan = true;
    });
    expect(finalRan).toBe(true);
    expect(loop.mode).toBe('stopped');
    expect(modes.every((m) => m === 'ticking')).toBe(true);
  });

  it('yields to ingests: rests as long as a burst tick took while kicked, not after a whole slice or a small tick', async () => {
    // Each tick takes 60 ms and an ingest kicks the loop meanwhile; the interval is 1 ms.
    const starts: number[] = [];
    const outcomes: (boolean | 'burst' | 'full')[] = ['burst', 'burst', 'full', true, 'burst'];
    const loop: StreamLoop = new StreamLoop(
      async () => {
        starts.push(performance.now());
        const outcome = outcomes.shift() ?? false;
        if (outcome) {
          loop.kick(false);
          await new Promise((r) => setTimeout(r, 60));
        }
        return outcome;
      },
      { intervalMs: 1, pollMs: 60_000, yieldFactor: 1 },
    );
    loop.start();
    while (starts.length < 6) await new Promise((r) => setTimeout(r, 20));
    await loop.stop(async () => {});
    const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
    // A burst while kicked: the next tick starts a tick's time after this one ended (≥ 2 × 60 ms).
    expect(gaps[0]).toBeGreaterThanOrEqual(115);
    expect(gaps[1]).toBeGreaterThanOrEqual(115);
    // A whole slice, and a small tick: at once (the tick's 60 ms only; timers may run late on
    // a busy machine).
    expect(gaps[2]).toBeLessThan(gaps[0]!);
    expect(gaps[3]).toBeLessThan(gaps[0]!);
  });

  it('a stopped loop cannot be stopped into another mode', async () => {
    const loop = new StreamLoop(async () => false, { intervalMs: 10, pollMs: 10 });
    loop.start();
    expect(() => loop.start()).toThrow(IllegalLoopTransition);
    await loop.stop(async () => {});
    expect(loop.running).toBe(false);
  });
});
