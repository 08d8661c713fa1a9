// The one interface every detector shares: the sensor's state (each detector owns its slice of
// the flat TrustState) and the reading, with what earlier detectors found about it.
import type { TrustThresholds } from '../config.js';
import type { TrustState } from '../state.js';
import type { SensorProfile, TrustPointData } from '../types.js';

/**
 * One reading as the detectors see it. One object per observe call, refilled for each reading
 * (no allocation per reading). The first block is the call's, the second the reading's, the
 * third what earlier detectors leave for later ones.
 */
export interface Reading {
  p: SensorProfile;
  th: TrustThresholds;
  /** the configured interval, ms */
  expMs: number;
  /** heartbeat of a report-by-exception sensor, ms (0: periodic) */
  hbMs: number;
  points: TrustPointData[];

  /** event time, epoch ms */
  ts: number;
  x: number;
  /** when the server received it (epoch ms) */
  now: number;
  /** event time of the previous in-order reading (null: the first) */
  prevTs: number | null;
  /** readings counted so far, this one included */
  n: number;
  /** past the warm-up */
  warm: boolean;

  /** CLOCK evidence came from this reading already (a future timestamp) */
  clockHit: boolean;
  /** bad evidence beyond the active reasons' weight (an isolated spike just confirmed) */
  extraBad: number;
  /** the smallest deviation the sensor resolves (SPIKE's, used by NOISE) */
  floor: number;
  /** |change| from the previous accepted reading (STUCK's, used by NOISE) */
  ad: number;
  /** a run of identical readings long enough to be suspicious (STUCK's, used by NOISE) */
  longRun: boolean;
}

/**
 * A detector: reads the reading, raises or clears its reason and keeps its statistics in `s`.
 * Returns true when it has judged the reading on its own (out of range, a pending spike): the
 * reading's evidence is added and no later detector sees it.
 */
export type Detector = (s: TrustState, r: Reading) => boolean;

export function newReading(p: SensorProfile, th: TrustThresholds, expMs: number, points: TrustPointData[]): Reading {
  const hbMs = p.heartbeatSeconds ? p.heartbeatSeconds * 1000 : 0;
  return {
    p,
    th,
    expMs,
    hbMs,
    points,
    ts: 0,
    x: 0,
    now: 0,
    prevTs: null,
    n: 0,
    warm: false,
    clockHit: false,
    extraBad: 0,
    floor: 0,
    ad: 0,
    longRun: false,
  };
}

/** Relative tolerance for "the same value" (1e-9 of its magnitude, at least 1e-9). */
export function sameValueTolerance(x: number): number {
  return 1e-9 * (x < 0 ? (x < -1 ? -x : 1) : x > 1 ? x : 1);
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Four significant digits: keeps the stored state small. */
export function round4(x: number): number {
  return Number(x.toPrecision(4));
}
