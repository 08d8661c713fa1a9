import { describe, expect, it } from 'vitest';
import { customWindow, presetWindow, windowFromParams, windowParams, zoomIn, zoomOut } from './time-window';

const NOW = Date.UTC(2026, 11, 7, 9, 20);

describe('time windows', () => {
  it('round-trips presets and custom ranges through the URL', () => {
    for (const w of [presetWindow('30d', NOW), presetWindow('6h', NOW), customWindow(NOW - 5000_000, NOW - 1000_000)]) {
      const back = windowFromParams(new URLSearchParams(windowParams(w)), NOW);
      expect(back).toEqual(w);
    }
    expect(windowFromParams(new URLSearchParams('range=nonsense'), NOW)).toEqual(presetWindow('6h', NOW));
    expect(windowFromParams(new URLSearchParams('from=2026-12-07T09:00:00Z&to=2026-12-01T00:00:00Z'), NOW).key).toBe(
      '6h',
    );
  });

  it('zooms in to half around the middle and out to twice, never into the future', () => {
    const w = presetWindow('24h', NOW);
    const inner = zoomIn(w);
    expect(inner.to - inner.from).toBe(12 * 3_600_000);
    expect((inner.from + inner.to) / 2).toBe((w.from + w.to) / 2);
    const outer = zoomOut(w, NOW);
    expect(outer.to).toBe(NOW);
    expect(outer.to - outer.from).toBe(48 * 3_600_000);
    expect(zoomIn(customWindow(NOW - 10_000, NOW)).to - zoomIn(customWindow(NOW - 10_000, NOW)).from).toBe(60_000);
  });
});
