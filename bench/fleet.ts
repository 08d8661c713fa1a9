// The benchmark fleet: zones, sensors and a deterministic stream of plausible
// readings, shaped the way a gateway sends them (one zone's sensors × a few
// consecutive timestamps per batch).
import { createRng } from '../server/src/trust/eval/prng.js';

export interface SensorKind {
  kind: string;
  unit: string;
  min: number;
  max: number;
  /** Centre of the daily cycle, its amplitude and the noise amplitude. */
  mean: number;
  amplitude: number;
  noise: number;
}

export const SENSOR_KINDS: SensorKind[] = [
  { kind: 'temperature', unit: '°C', min: -20, max: 60, mean: 21, amplitude: 3, noise: 0.1 },
  { kind: 'humidity', unit: '%', min: 0, max: 100, mean: 45, amplitude: 10, noise: 0.5 },
  { kind: 'co2', unit: 'ppm', min: 300, max: 5000, mean: 650, amplitude: 200, noise: 10 },
  { kind: 'pressure', unit: 'hPa', min: 900, max: 1100, mean: 1013, amplitude: 5, noise: 0.3 },
];

export const EXPECTED_INTERVAL_SECONDS = 60;
const DAY_MS = 86_400_000;

export interface Fleet {
  zones: number;
  sensorsPerZone: number;
  zoneIds: string[];
  /** Sensor ids, zone-major: sensor i belongs to zone floor(i / sensorsPerZone). */
  sensorIds: string[];
  kindOf(sensorIndex: number): SensorKind;
}

/** `prefix` keeps several fleets apart on one server (the arrival-shape runs use their own). */
export function createFleet(zones: number, sensorsPerZone: number, prefix = 'bench'): Fleet {
  const zoneIds = Array.from({ length: zones }, (_, z) => `${prefix}-zone-${String(z).padStart(3, '0')}`);
  const sensorIds: string[] = [];
  for (let z = 0; z < zones; z++) {
    for (let s = 0; s < sensorsPerZone; s++) {
      sensorIds.push(`${prefix}-z${String(z).padStart(3, '0')}-s${String(s).padStart(3, '0')}`);
    }
  }
  return {
    zones,
    sensorsPerZone,
    zoneIds,
    sensorIds,
    kindOf: (i) => SENSOR_KINDS[(i % sensorsPerZone) % SENSOR_KINDS.length]!,
  };
}

/** Reading i of a set, by column; an index outside the set is a bug in the caller. */
export function readingAt(fleet: Fleet, set: ReadingSet, i: number): { sensorId: string; tsMs: number; value: number } {
  const sensorIndex = set.sensorIndex[i];
  const sensorId = sensorIndex === undefined ? undefined : fleet.sensorIds[sensorIndex];
  const tsMs = set.tsMs[i];
  const value = set.value[i];
  if (sensorId === undefined || tsMs === undefined || value === undefined)
    throw new RangeError(`no reading ${i} in a set of ${set.count}`);
  return { sensorId, tsMs, value };
}

/** Readings stored column-wise (compact: 20 bytes a reading) in send order. */
export interface ReadingSet {
  count: number;
  batchSize: number;
  sensorIndex: Uint32Array;
  tsMs: Float64Array;
  value: Float64Array;
  /** Description of one batch, for the report. */
  shape: string;
  firstTsMs: number;
  lastTsMs: number;
}

/**
 * Builds `total` readings in batches of `batchSize`. A batch covers
 * `sensorsPerBatch` sensors of one zone × (batchSize / sensorsPerBatch)
 * consecutive timestamps. Batches are time-major (all zones for one time
 * window, then the next window), like a fleet of gateways reporting live, so
 * each sensor's readings arrive in time order. The newest timestamp is
 * `endMs`, one interval apart per sensor going back.
 */
export function generateReadings(fleet: Fleet, total: number, batchSize: number, endMs: number): ReadingSet {
  const sensorsPerBatch = Math.min(fleet.sensorsPerZone, batchSize);
  const stepsPerBatch = Math.max(1, Math.floor(batchSize / sensorsPerBatch));
  const groupsPerZone = Math.ceil(fleet.sensorsPerZone / sensorsPerBatch);
  const batchesPerWindow = fleet.zones * groupsPerZone;
  const batches = Math.ceil(total / batchSize);
  const windows = Math.ceil(batches / batchesPerWindow);
  const intervalMs = EXPECTED_INTERVAL_SECONDS * 1000;
  const startMs = endMs - (windows * stepsPerBatch - 1) * intervalMs;

  const sensorIndex = new Uint32Array(total);
  const tsMs = new Float64Array(total);
  const value = new Float64Array(total);
  // Seeded (mulberry32, shared with the trust evaluation): every run sends the same rows.
  const rng = createRng(0x5e2507);
  const random = () => rng.next();
  const phase = fleet.sensorIds.map((_, i) => (i * 0.37) % (2 * Math.PI));

  let n = 0;
  outer: for (let w = 0; w < windows; w++) {
    for (let b = 0; b < batchesPerWindow; b++) {
      const zone = Math.floor(b / groupsPerZone);
      const first = zone * fleet.sensorsPerZone + (b % groupsPerZone) * sensorsPerBatch;
      const last = Math.min(first + sensorsPerBatch, (zone + 1) * fleet.sensorsPerZone);
      for (let step = 0; step < stepsPerBatch; step++) {
        const t = startMs + (w * stepsPerBatch + step) * intervalMs;
        for (let s = first; s < last; s++) {
          if (n >= total) break outer;
          const k = fleet.kindOf(s);
          const cycle = Math.sin((2 * Math.PI * t) / DAY_MS + phase[s]!);
          const noise = (random() + random() + random() - 1.5) * 2 * k.noise;
          const v = k.mean + k.amplitude * cycle + noise;
          sensorIndex[n] = s;
          tsMs[n] = t;
          value[n] = Math.round(Math.min(k.max, Math.max(k.min, v)) * 1000) / 1000;
          n++;
        }
      }
    }
  }
  return {
    count: total,
    batchSize,
    sensorIndex,
    tsMs,
    value,
    shape: `${sensorsPerBatch} sensors of one zone × ${stepsPerBatch} consecutive timestamps (${EXPECTED_INTERVAL_SECONDS} s apart), time-major over ${fleet.zones} zones`,
    firstTsMs: startMs,
    lastTsMs: tsMs.reduce((max, t) => (t > max ? t : max), startMs),
  };
}

export function batchCount(set: ReadingSet): number {
  return Math.ceil(set.count / set.batchSize);
}

export function batchRange(set: ReadingSet, b: number): [number, number] {
  return [b * set.batchSize, Math.min(set.count, (b + 1) * set.batchSize)];
}
