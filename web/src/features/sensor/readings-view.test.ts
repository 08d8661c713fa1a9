import { describe, expect, it } from 'vitest';
import { readingsView } from './readings-view';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 28, 12, minute)).toISOString();

describe('readingsView', () => {
  it('keeps the axis on the plausible band: a 1e308 reading is clipped at its edge and marked', () => {
    const view = readingsView(
      [
        { timestamp: at(0), value: 21 },
        { timestamp: at(1), value: 1e308 },
        { timestamp: at(2), value: -Infinity },
        { timestamp: at(3), value: 22 },
      ],
      { min: -20, max: 60 },
      60,
    );
    expect(view.yRange[0]).toBeCloseTo(-29.6);
    expect(view.yRange[1]).toBeCloseTo(69.6);
    expect(view.values).toEqual([21, view.yRange[1], view.yRange[0], 22]);
    expect(view.outside).toEqual([null, view.yRange[1], view.yRange[0], null]);
  });

  it('draws a silence of more than three expected intervals as a gap', () => {
    const view = readingsView(
      [
        { timestamp: at(0), value: 1 },
        { timestamp: at(1), value: 2 },
        { timestamp: at(86), value: 3 }, // 85 minutes of nothing
      ],
      { min: 0, max: 10 },
      60,
    );
    expect(view.values).toEqual([1, 2, null, 3]);
    expect(view.timestamps[2]).toBe(Date.parse(at(2)) / 1000);
  });

  it('without a band, follows the bulk of the readings', () => {
    const values = Array.from({ length: 100 }, (_, i) => ({ timestamp: at(i), value: 20 + (i % 5) }));
    values[50] = { timestamp: at(50), value: 1e308 };
    const view = readingsView(values, { min: null, max: null }, 60);
    expect(view.yRange[1]).toBeLessThan(30);
    expect(view.outside.every((v) => v === null)).toBe(true);
  });
});
