// Fault episodes the simulator injects: one sensor misbehaves for a while, then recovers.
import type { DemoSensor } from './fleet.js';

export type DemoFaultKind = 'spike' | 'stuck' | 'out-of-range' | 'silent' | 'noise' | 'drift';
export const DEMO_FAULT_KINDS: DemoFaultKind[] = ['out-of-range', 'spike', 'stuck', 'silent', 'noise', 'drift'];

export interface FaultEpisode {
  sensorId: string;
  kind: DemoFaultKind;
  startMs: number;
  endMs: number;
  /** For stuck: the frozen value. */
  frozen?: number;
}

/**
 * Applies an active episode to a healthy value. Returns null when the sensor
 * sends nothing (silent).
 */
export function applyFault(
  episode: FaultEpisode,
  sensor: DemoSensor,
  healthy: number,
  tsMs: number,
  random: () => number,
): number | null {
  const span = sensor.kind.maxValue - sensor.kind.minValue;
  const elapsed = (tsMs - episode.startMs) / 1000;
  switch (episode.kind) {
    case 'silent':
      return null;
    case 'stuck':
      episode.frozen ??= Math.round(healthy * 10) / 10;
      return episode.frozen;
    case 'out-of-range':
      return sensor.kind.maxValue + span * (0.1 + random() * 0.05);
    case 'spike':
      return random() < 0.3 ? healthy + (random() < 0.5 ? -1 : 1) * span * (0.15 + random() * 0.1) : healthy;
    case 'noise':
      return healthy + (random() - 0.5) * sensor.kind.amplitude * 12;
    case 'drift':
      return healthy + elapsed * sensor.kind.amplitude * 0.05;
  }
}
