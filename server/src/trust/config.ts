// Tunables of the trust engine. Every number the engine compares against lives here,
// with its default, so that operators can override them per sensor kind.

export interface TrustThresholds {
  /** Readings before a sensor leaves UNKNOWN (strong evidence — HIGH/CRITICAL reasons — overrides). Default 5. */
  minReadings: number;
  /** Readings used to learn a sensor's own variability before SPIKE/STUCK/NOISE judge it. Default 32. */
  warmupReadings: number;
  /** Beta-reputation aging factor applied per reading (memory ≈ 1/(1-λ) readings). Default 0.98. */
  agingFactor: number;
  /** Bad evidence added per reading while a reason of that severity is active. Defaults 0.5 / 1.5 / 5 / 15. */
  weightLow: number;
  weightMedium: number;
  weightHigh: number;
  weightCritical: number;
  /** Score (0..100) at or above which a sensor is HEALTHY. Default 75. */
  healthyAbove: number;
  /** Score below which a sensor is FAULTY. Default 35. */
  faultyBelow: number;
  /** To move to a better status the score must clear the boundary by this much… Default 5. */
  recoverMargin: number;
  /** …for this many consecutive readings. Default 10. */
  recoverReadings: number;
  /** Smallest meaningful change in the sensor's unit; floors every learned scale. Default 0.01 (per kind below). */
  scaleFloor: number;
  /** A reading is a spike candidate when it is this many robust sigmas from the local median. Default 6. */
  spikeK: number;
  /** …and becomes a spike when the next reading is back within this many sigmas. Default 3. */
  spikeReturnK: number;
  /** Two spikes within this many readings raise SPIKE. Default 100. */
  spikeWindowReadings: number;
  /** SPIKE clears after this many readings without a spike. Default 50. */
  spikeClearReadings: number;
  /** STUCK needs at least this many identical readings in a row… Default 6. */
  stuckMinRun: number;
  /** …and never needs more than this many, however quantised the sensor is. Default 120. */
  stuckMaxRun: number;
  /** Accepted chance that a healthy sensor repeats its value that many times (sets the run length from the learned repeat rate). Default 1e-8. */
  stuckFalseAlarm: number;
  /**
   * A sensor whose step (smallest change seen) is at least this many scaleFloors and whose
   * value usually repeats counts as coarsely quantised… Default 4.
   */
  stuckCoarseSteps: number;
  /** …and needs a run this long for STUCK (sitting on one step is plausible for hours). Default 480. */
  stuckQuantisedRun: number;
  /** STUCK clears after this many moving readings. Default 10. */
  stuckClearReadings: number;
  /**
   * A sensor seen sitting on one value for r readings without raising STUCK (a still room at
   * night) needs this many times r before STUCK (at most stuckQuantisedRun). Default 2.
   */
  stuckUsualRunK: number;
  /** …where r is a maximum that decays with this time constant of event time. Default 3 days. */
  stuckUsualRunDays: number;
  /** NOISE when short-term mean |Δ| exceeds the learned baseline by this factor… Default 3. */
  noiseRatio: number;
  /**
   * …for this many readings without the ratio falling back below noiseClearRatio in between.
   * Default 20: roughness shorter than that (people moving and breathing next to a CO₂ sensor
   * for a quarter of an hour) is the room, not the sensor.
   */
  noiseConfirmReadings: number;
  /** NOISE clears when the ratio stays below this… Default 1.8. */
  noiseClearRatio: number;
  /** …for this many readings. Default 30. */
  noiseClearReadings: number;
  /**
   * NOISE is judged against the larger of the slow baseline and the sensor's usual variation at
   * this hour of day (learned per UTC hour on earlier days, a maximum that keeps this share
   * per day). Default 0.9.
   */
  noiseDailyDecay: number;
  /** An hour teaches the usual variation only with at least this many readings. Default 4. */
  noiseHourMinReadings: number;
  /**
   * A NOISE episode that clears by itself within this many hours (of event time) teaches its
   * hours of day their usual variation, as a quiet hour does: roughness that comes back at the
   * same time of day (a humidifier running every night) is the environment's daily pattern.
   * Longer episodes (a sensor that stays noisy) teach nothing. Default 16 h.
   */
  noiseEpisodeHours: number;
  /**
   * NOISE against the zone's peers, judged on closed event-time windows (driftWindowMinutes):
   * the sensor's mean zig-zag (min(|Δ|, |previous Δ|) of changes with opposite signs) over the
   * last noisePeerWindows windows more than noisePeerK times the larger of its peers' median
   * zig-zag over the same windows and the floor noisePeerFloorRatio × driftMinDelta (the
   * sensor's accuracy). Outdoor peers see the same weather: a sensor that jumps up and down
   * much more than all of them is noisy, whatever its own history learned. Default 5.
   */
  noisePeerK: number;
  /**
   * …or this many times the sensor's own usual ratio to its peers (a running median of its
   * ratios, learned while NOISE is not active), whichever is larger: a sensor that is always somewhat rougher than its peers (a
   * mast in the wind) is judged against that. Default 10.
   */
  noisePeerUsualK: number;
  /** …the floor, as a fraction of driftMinDelta. Default 0.3 (0.3 °C for temperature). */
  noisePeerFloorRatio: number;
  /** …the windows judged together (the newest closed one and those before it). Default 3 (30 min). */
  noisePeerWindows: number;
  /** …and it clears after this many judged windows below half the threshold in a row. Default 3. */
  noisePeerClearWindows: number;
  /** OUT_OF_RANGE clears after this many in-range readings. Default 20. */
  oorClearReadings: number;
  /** CLOCK when a timestamp is more than this far ahead of the server clock. Default 60 s. */
  clockFutureSeconds: number;
  /** CLOCK when a reading arrives more than this many expected intervals older than the newest seen. Default 2. */
  clockLateIntervals: number;
  /** CLOCK when the mean distance of intervals from a whole multiple of the expected interval exceeds this (0..0.5). Default 0.2. */
  clockIrregularity: number;
  /** …or than the sensor's own learned normal irregularity plus this margin, whichever is larger. Default 0.08. */
  clockIrregularityMargin: number;
  /** CLOCK clears after this many clean readings. Default 50. */
  clockClearReadings: number;
  /** OFFLINE after this many expected intervals without a reading… Default 3. */
  offlineIntervals: number;
  /**
   * A sensor whose own normal completeness is low (lossy radio) needs as many silent intervals
   * as it shows in a row only with this probability (at least offlineIntervals). Default 0.0001.
   */
  offlineFalseAlarm: number;
  /**
   * Silences up to this many intervals are learned as the sensor's usual (bursty radio loss):
   * OFFLINE then needs one interval more than the longest recent one. Default 12.
   */
  offlineLearnMaxIntervals: number;
  /** …plus this grace for timestamp jitter, so two lost readings and a slightly late third are not OFFLINE. Default 10 s. */
  offlineGraceSeconds: number;
  /** Completeness is counted in buckets of this many expected intervals (7 kept, the last up-to-6 complete ones judged). Default 10. */
  gapBucketIntervals: number;
  /** Complete buckets needed before GAP can be judged. Default 3. */
  gapMinBuckets: number;
  /** GAP when completeness falls below this fraction of the sensor's own normal completeness. Default 0.7. */
  gapCompleteness: number;
  /** GAP clears when completeness is back above this fraction of its normal. Default 0.85. */
  gapClearCompleteness: number;
  /** Extra factor on the bad evidence per clean reading while no reason is active (forgiving a cleared fault). Default 0.9. */
  cleanDecay: number;
  /** Peers (other sensors of the same kind in the zone, reporting) needed to judge DRIFT. Default 3. */
  driftMinPeers: number;
  /** Smallest departure from the peer consensus that is DRIFT, in the sensor's unit. Default 1 (per kind below). */
  driftMinDelta: number;
  /** DRIFT threshold is also at least this many times the residual's learned scale at this hour of day. Default 5. */
  driftScaleK: number;
  /**
   * DRIFT threshold is also at least this many times how much the learned peers disagree among
   * themselves in the same window (1.4826 × the MAD of their corrected means): on a sunny
   * afternoon when several sensors depart at once, one more departing says little. Default 3.
   */
  driftSpreadK: number;
  /** Windows an hour-of-day slot of the residual needs before it judges that hour (until then the all-hours figures do). Default 12 (two days of 10-min windows). */
  driftHourMinWindows: number;
  /**
   * Peers track the sensor when the residual's usual spread is below this fraction of the
   * sensor's own variation; otherwise a departure is only an advisory. Default 0.5.
   */
  driftTrackRatio: number;
  /**
   * A residual episode (a departure, and DRIFT if it was raised) that ends by itself within
   * this many hours teaches the hours of day it covered (clipped at the threshold): sun on one
   * side every afternoon is learned in days, a one-off fault moves them a little. Default 12.
   */
  driftEpisodeHours: number;
  /** Event time spent learning the per-sensor constant offset before DRIFT is judged. Default 120 min (the shortest peer history DRIFT needs). */
  driftLearnMinutes: number;
  /**
   * Peer consensus is computed per event-time window of this length (a sensor's mean over the
   * window against its peers' median), once the zone's watermark (newest event time minus
   * latenessSeconds) has passed the window's end. Default 10 min.
   */
  driftWindowMinutes: number;
  /** Time constant of the slow offset adaptation afterwards (frozen while departing). Default 72 h. */
  driftAdaptHours: number;
  /** Departure must last this long before DRIFT is raised (sun, a door, weather pass within it). Default 60 min. */
  driftConfirmMinutes: number;
  /**
   * DRIFT clears after this long back within 0.7 × the threshold, or half as long back within
   * half the threshold (clearly back). Default 60 min.
   */
  driftClearMinutes: number;
  /** A trust point is written whenever the score has moved by this much since the last point. Default 2. */
  pointMinDelta: number;
  /** …and at least this often while it moves at all (by 0.5 or more). Default 5 min. */
  pointIntervalMinutes: number;
  /**
   * Lateness bound: readings may arrive this much later (event time) than the newest one seen
   * without counting as clock trouble (parallel uploaders commit out of order), and event-time
   * windows (GAP buckets) are judged once the newest event time is this far past their end.
   * TRUST_LATENESS_SECONDS sets it. Default 600 s.
   */
  latenessSeconds: number;
  /** Completeness buckets learned (the sensor's own normal) before GAP is judged. Default 6. */
  gapLearnBuckets: number;
}

export interface TrustConfig {
  defaults: TrustThresholds;
  byKind: Record<string, Partial<TrustThresholds>>;
}

const DEFAULT_THRESHOLDS: TrustThresholds = {
  minReadings: 5,
  warmupReadings: 32,
  agingFactor: 0.98,
  weightLow: 0.5,
  weightMedium: 1.5,
  weightHigh: 5,
  weightCritical: 15,
  healthyAbove: 75,
  faultyBelow: 35,
  recoverMargin: 5,
  recoverReadings: 6,
  scaleFloor: 0.01,
  spikeK: 6,
  spikeReturnK: 3,
  spikeWindowReadings: 100,
  spikeClearReadings: 50,
  stuckMinRun: 6,
  stuckMaxRun: 120,
  stuckFalseAlarm: 1e-8,
  stuckCoarseSteps: 4,
  stuckQuantisedRun: 480,
  stuckClearReadings: 10,
  stuckUsualRunK: 2,
  stuckUsualRunDays: 3,
  noiseRatio: 3,
  noiseConfirmReadings: 20,
  noiseClearRatio: 1.8,
  noiseClearReadings: 12,
  noiseDailyDecay: 0.9,
  noiseHourMinReadings: 4,
  noiseEpisodeHours: 16,
  noisePeerK: 5,
  noisePeerUsualK: 10,
  noisePeerFloorRatio: 0.3,
  noisePeerWindows: 3,
  noisePeerClearWindows: 1,
  oorClearReadings: 20,
  clockFutureSeconds: 60,
  clockLateIntervals: 2,
  clockIrregularity: 0.2,
  clockIrregularityMargin: 0.08,
  clockClearReadings: 50,
  offlineIntervals: 3,
  offlineGraceSeconds: 10,
  offlineFalseAlarm: 0.0001,
  offlineLearnMaxIntervals: 12,
  gapBucketIntervals: 10,
  gapMinBuckets: 3,
  gapCompleteness: 0.7,
  gapClearCompleteness: 0.85,
  cleanDecay: 0.5,
  driftMinPeers: 3,
  driftMinDelta: 1,
  driftScaleK: 5,
  driftSpreadK: 3,
  driftHourMinWindows: 12,
  driftTrackRatio: 0.5,
  driftEpisodeHours: 12,
  driftLearnMinutes: 120,
  driftWindowMinutes: 10,
  driftAdaptHours: 72,
  driftConfirmMinutes: 60,
  driftClearMinutes: 60,
  pointIntervalMinutes: 5,
  pointMinDelta: 2,
  latenessSeconds: 600,
  gapLearnBuckets: 6,
};

export const DEFAULT_TRUST_CONFIG: TrustConfig = {
  defaults: DEFAULT_THRESHOLDS,
  byKind: {
    temperature: { scaleFloor: 0.02, driftMinDelta: 1.0 },
    humidity: { scaleFloor: 0.1, driftMinDelta: 3 },
    co2: { scaleFloor: 2, driftMinDelta: 80 },
    pressure: { scaleFloor: 0.02, driftMinDelta: 0.8 },
  },
};

const KEYS = Object.keys(DEFAULT_THRESHOLDS) as (keyof TrustThresholds)[];
const KEY_SET = new Set<string>(KEYS);
/** Keys that are fractions strictly between 0 and 1. */
const FRACTIONS = new Set<string>([
  'agingFactor',
  'gapCompleteness',
  'gapClearCompleteness',
  'stuckFalseAlarm',
  'offlineFalseAlarm',
  'noiseDailyDecay',
  'driftTrackRatio',
  'cleanDecay',
]);

// Memoised per config object: configs are treated as immutable values.
const cache = new WeakMap<TrustConfig, Map<string, TrustThresholds>>();

export function thresholdsFor(config: TrustConfig, sensorKind: string): TrustThresholds {
  let byKind = cache.get(config);
  if (!byKind) {
    byKind = new Map();
    cache.set(config, byKind);
  }
  let t = byKind.get(sensorKind);
  if (!t) {
    const own = Object.prototype.hasOwnProperty.call(config.byKind, sensorKind) ? config.byKind[sensorKind] : undefined;
    t = Object.freeze({ ...config.defaults, ...own });
    byKind.set(sensorKind, t);
  }
  return t;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function checkPartial(raw: unknown, path: string): Partial<TrustThresholds> {
  if (!isRecord(raw)) throw new Error(`trust config: "${path}" must be an object`);
  const out: Partial<TrustThresholds> = {};
  for (const [key, value] of Object.entries(raw)) {
    const at = `${path}.${key}`;
    if (!KEY_SET.has(key)) throw new Error(`trust config: unknown key "${at}"`);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`trust config: "${at}" must be a finite number, got ${JSON.stringify(value)}`);
    }
    if (FRACTIONS.has(key) ? !(value > 0 && value < 1) : value < 0) {
      const want = FRACTIONS.has(key) ? 'between 0 and 1 (exclusive)' : '>= 0';
      throw new Error(`trust config: "${at}" must be ${want}, got ${value}`);
    }
    out[key as keyof TrustThresholds] = value;
  }
  return out;
}

/** Validates `override` ({ defaults?, byKind? }) and layers it over `base`. Throws naming the bad key. */
export function mergeTrustConfig(base: TrustConfig, override: unknown): TrustConfig {
  if (override === undefined || override === null) return base;
  if (!isRecord(override)) throw new Error('trust config: override must be an object');
  for (const key of Object.keys(override)) {
    if (key !== 'defaults' && key !== 'byKind') throw new Error(`trust config: unknown key "${key}"`);
  }
  const defaults = {
    ...base.defaults,
    ...(override.defaults === undefined ? {} : checkPartial(override.defaults, 'defaults')),
  };
  const byKind: Record<string, Partial<TrustThresholds>> = { ...base.byKind };
  if (override.byKind !== undefined) {
    if (!isRecord(override.byKind)) throw new Error('trust config: "byKind" must be an object');
    for (const [kind, partial] of Object.entries(override.byKind)) {
      byKind[kind] = { ...byKind[kind], ...checkPartial(partial, `byKind.${kind}`) };
    }
  }
  for (const kind of ['', ...Object.keys(byKind)]) {
    const t = { ...defaults, ...(kind ? byKind[kind] : {}) };
    const where = kind ? `byKind.${kind}` : 'defaults';
    if (t.faultyBelow >= t.healthyAbove) {
      throw new Error(
        `trust config: "${where}.faultyBelow" (${t.faultyBelow}) must be below healthyAbove (${t.healthyAbove})`,
      );
    }
    if (!(t.driftWindowMinutes > 0)) {
      throw new Error(`trust config: "${where}.driftWindowMinutes" must be above 0, got ${t.driftWindowMinutes}`);
    }
    if (!(t.noisePeerWindows >= 1 && t.noisePeerWindows <= 6)) {
      throw new Error(`trust config: "${where}.noisePeerWindows" must be 1 to 6, got ${t.noisePeerWindows}`);
    }
    if (t.noiseClearRatio > t.noiseRatio) {
      throw new Error(
        `trust config: "${where}.noiseClearRatio" (${t.noiseClearRatio}) must not exceed noiseRatio (${t.noiseRatio})`,
      );
    }
  }
  return { defaults, byKind };
}
