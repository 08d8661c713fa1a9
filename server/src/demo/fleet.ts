// The demo fleet: zones × kinds × sensors with plausible ranges and a signal
// model per sensor. Pure and seeded, so every run looks alike.
import { createRng } from '../trust/eval/prng.js';

export interface DemoZone {
  id: string;
  name: string;
  description: string;
  /** Offset of this zone's temperature from 21 °C, humidity from 45 %, … */
  climate: { temperature: number; humidity: number; co2: number };
}

export interface DemoKind {
  kind: 'temperature' | 'humidity' | 'co2';
  unit: string;
  minValue: number;
  maxValue: number;
  base: number;
  /** Amplitude of the slow wave and of the noise. */
  amplitude: number;
  noise: number;
}

export interface DemoSensor {
  id: string;
  name: string;
  zoneId: string;
  kind: DemoKind;
  base: number;
  /** Per-sensor phase so the lines do not move in lockstep. */
  phase: number;
}

export const DEMO_ZONES: DemoZone[] = [
  {
    id: 'hall-a',
    name: 'Assembly Hall A',
    description: 'Production floor, west wing',
    climate: { temperature: 1.5, humidity: -5, co2: 250 },
  },
  {
    id: 'cold-store',
    name: 'Cold Store',
    description: 'Refrigerated storage',
    climate: { temperature: -17, humidity: 20, co2: -50 },
  },
  {
    id: 'server-room',
    name: 'Server Room',
    description: 'Racks 1–12',
    climate: { temperature: 3, humidity: -12, co2: -30 },
  },
  {
    id: 'office-2f',
    name: 'Offices 2F',
    description: 'Open-plan office, second floor',
    climate: { temperature: 0.5, humidity: 0, co2: 350 },
  },
  {
    id: 'greenhouse',
    name: 'Greenhouse',
    description: 'Research greenhouse',
    climate: { temperature: 4, humidity: 25, co2: 150 },
  },
  { id: 'lab-b', name: 'Lab B', description: 'Clean lab', climate: { temperature: -0.5, humidity: -3, co2: 50 } },
];

export const DEMO_KINDS: DemoKind[] = [
  { kind: 'temperature', unit: '°C', minValue: -30, maxValue: 60, base: 21, amplitude: 0.8, noise: 0.08 },
  { kind: 'humidity', unit: '%', minValue: 0, maxValue: 100, base: 45, amplitude: 3, noise: 0.4 },
  { kind: 'co2', unit: 'ppm', minValue: 300, maxValue: 5000, base: 550, amplitude: 60, noise: 6 },
];

export const SENSORS_PER_KIND = 3;

export function demoSensors(): DemoSensor[] {
  const sensors: DemoSensor[] = [];
  for (const zone of DEMO_ZONES) {
    for (const kind of DEMO_KINDS) {
      for (let n = 1; n <= SENSORS_PER_KIND; n++) {
        sensors.push({
          id: `${zone.id}-${kind.kind}-${n}`,
          name: `${zone.name} ${kind.kind === 'co2' ? 'CO₂' : kind.kind} ${n}`,
          zoneId: zone.id,
          kind,
          base: kind.base + zone.climate[kind.kind],
          phase: (sensors.length * 0.7) % (2 * Math.PI),
        });
      }
    }
  }
  return sensors;
}

/** A seeded random source (mulberry32, shared with the trust evaluation's generator). */
export function seededRandom(seed: number): () => number {
  const rng = createRng(seed);
  return () => rng.next();
}

/** The healthy signal: a slow wave (period ~20 min) plus small noise. */
export function healthyValue(sensor: DemoSensor, tsMs: number, random: () => number): number {
  const wave = Math.sin(tsMs / 190_000 + sensor.phase) * sensor.kind.amplitude;
  const noise = (random() + random() + random() - 1.5) * 2 * sensor.kind.noise;
  return sensor.base + wave + noise;
}
