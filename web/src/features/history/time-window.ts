// The time range a history view shows: a preset ending now (1 h … 30 d) or an absolute
// custom range, kept in the URL (`range=6h`, or `from=…&to=…` in ISO-8601) so a view can
// be bookmarked and shared. Zooming halves or doubles the range around its middle.
export const PRESETS = [
  { key: '1h', label: '1 h', ms: 3_600_000 },
  { key: '6h', label: '6 h', ms: 6 * 3_600_000 },
  { key: '24h', label: '24 h', ms: 24 * 3_600_000 },
  { key: '7d', label: '7 d', ms: 7 * 86_400_000 },
  { key: '30d', label: '30 d', ms: 30 * 86_400_000 },
] as const;

export type PresetKey = (typeof PRESETS)[number]['key'];
export const DEFAULT_PRESET: PresetKey = '6h';
/** The narrowest range zooming goes to. */
export const MIN_WINDOW_MS = 60_000;
/** The widest range zooming out goes to. */
export const MAX_WINDOW_MS = 366 * 86_400_000;

export interface TimeWindow {
  /** a preset (ending at `to`, the moment it was chosen) or 'custom' */
  key: PresetKey | 'custom';
  /** epoch ms */
  from: number;
  to: number;
}

export function presetWindow(key: PresetKey, now: number): TimeWindow {
  const preset = PRESETS.find((p) => p.key === key)!;
  return { key, from: now - preset.ms, to: now };
}

export function customWindow(from: number, to: number): TimeWindow {
  const [a, b] = from <= to ? [from, to] : [to, from];
  return { key: 'custom', from: Math.round(a), to: Math.round(Math.max(b, a + 1000)) };
}

/** The window the URL names; the default preset when it names none (or nonsense). */
export function windowFromParams(params: URLSearchParams | undefined, now: number): TimeWindow {
  const from = Date.parse(params?.get('from') ?? '');
  const to = Date.parse(params?.get('to') ?? '');
  if (Number.isFinite(from) && Number.isFinite(to) && to > from) return customWindow(from, to);
  const key = params?.get('range');
  const preset = PRESETS.find((p) => p.key === key);
  return presetWindow(preset?.key ?? DEFAULT_PRESET, now);
}

/** URL parameters for a window (none for the default preset). */
export function windowParams(w: TimeWindow): Record<string, string> {
  if (w.key === 'custom') return { from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString() };
  return w.key === DEFAULT_PRESET ? {} : { range: w.key };
}

/** Half the range around its middle (or around `at`, epoch ms, when given). */
export function zoomIn(w: TimeWindow, at?: number): TimeWindow {
  const span = Math.max(MIN_WINDOW_MS, (w.to - w.from) / 2);
  const mid = at ?? (w.from + w.to) / 2;
  return customWindow(mid - span / 2, mid + span / 2);
}

/** Twice the range around its middle, never past `now`. */
export function zoomOut(w: TimeWindow, now: number): TimeWindow {
  const span = Math.min(MAX_WINDOW_MS, (w.to - w.from) * 2);
  const mid = (w.from + w.to) / 2;
  const to = Math.min(now, mid + span / 2);
  return customWindow(to - span, to);
}

/** Whether the window ends now, so live readings belong at its right edge. */
export const isLive = (w: TimeWindow) => w.key !== 'custom';
