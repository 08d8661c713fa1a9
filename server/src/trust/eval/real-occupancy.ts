// The real office-room series committed in data-real/ (UCI Occupancy Detection, CC BY 4.0; see
// its README): temperature, humidity and CO₂, one reading a minute for 16 days.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { ReadingSample, SensorProfile } from '../types.js';

export const OCCUPANCY_FILE = new URL('./data-real/uci-occupancy-room.csv.gz', import.meta.url);

export interface RealSeries {
  profile: SensorProfile;
  readings: ReadingSample[];
}

const COLUMNS = [
  { kind: 'temperature', unit: '°C', column: 1 },
  { kind: 'humidity', unit: '%', column: 2 },
  { kind: 'co2', unit: 'ppm', column: 3 },
] as const;

/** The three series, sorted by time (the logger's local time read as UTC), 60 s expected interval. */
export function readOccupancySeries(): RealSeries[] {
  const lines = gunzipSync(readFileSync(OCCUPANCY_FILE)).toString('utf8').trim().split('\n');
  if (lines[0] !== 'time,temperature,humidity,co2') throw new Error(`unexpected header in ${OCCUPANCY_FILE.pathname}`);
  const rows = lines.slice(1).map((l) => l.split(','));
  return COLUMNS.map(({ kind, unit, column }) => ({
    profile: {
      id: `uci-room-${kind}`,
      kind,
      unit,
      zoneId: null,
      minValue: null,
      maxValue: null,
      expectedIntervalSeconds: 60,
    },
    readings: rows.map((r) => {
      const ts = Date.parse(`${(r[0] ?? '').replace(' ', 'T')}Z`);
      const value = Number(r[column]);
      if (!Number.isFinite(ts) || !Number.isFinite(value)) throw new Error(`bad row in occupancy data: ${r.join(',')}`);
      return { ts, value };
    }),
  }));
}
