import { describe, expect, it } from 'vitest';
import { planCheckpoints } from '../src/modules/trust/trust-checkpoint-plan.js';

const part = (cursor: string, storedRollup: string) => ({ cursor, storedRollup });
const sensor = (sensorId: string, partition: number, dirtyFrom: string | null, lowestHeld?: string) => ({
  sensorId,
  partition,
  dirtyFrom,
  lowestHeld,
});

describe('checkpoint planner', () => {
  it('a partition with nothing unwritten moves to its cursor and its new rollup position', () => {
    const out = planCheckpoints([[0, part('100', '50')]], [sensor('a', 0, null)], new Map([[0, '100']]), new Set());
    expect(out.get(0)).toEqual({ position: '100', rollup: '100' });
  });

  it('without a new rollup the position stays at the stored rollup position', () => {
    const out = planCheckpoints([[0, part('100', '50')]], [], new Map(), new Set());
    expect(out.get(0)).toEqual({ position: '50', rollup: '50' });
  });

  it('an unwritten dirty sensor holds its partition back; a written one does not', () => {
    const parts: [number, ReturnType<typeof part>][] = [
      [0, part('100', '100')],
      [1, part('100', '100')],
    ];
    const sensors = [sensor('a', 0, '70'), sensor('b', 1, '60')];
    const out = planCheckpoints(parts, sensors, new Map(), new Set(['b']));
    expect(out.get(0)?.position).toBe('70');
    expect(out.get(1)?.position).toBe('100');
  });

  it('a held row holds its partition back even when the sensor was written', () => {
    const out = planCheckpoints([[3, part('100', '100')]], [sensor('a', 3, '90', '80')], new Map(), new Set(['a']));
    expect(out.get(3)?.position).toBe('80');
  });

  it('compares positions as 64-bit numbers, not strings, and ignores partitions not owned', () => {
    const out = planCheckpoints(
      [[0, part('1000', '1000')]],
      [sensor('a', 0, '999'), sensor('z', 7, '1')],
      new Map(),
      new Set(),
    );
    expect(out.get(0)?.position).toBe('999');
    expect(out.has(7)).toBe(false);
  });
});
