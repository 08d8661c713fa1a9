// Per-sensor engine state: plain JSON data (numbers, arrays, null, one string) that
// the data layer stores as jsonb and hands back. Field names are short because
// 10,000s of these are persisted; each is documented here.
import { FAULT_KINDS, type FaultKind, type KindSlot, type PerKind } from './types.js';

/** Reason slot of a fault kind: its index in FAULT_KINDS (the one list of kinds). */
export function kindSlot(kind: FaultKind): KindSlot {
  // indexOf of a member of FAULT_KINDS is one of its indices, which is what KindSlot lists.
  return FAULT_KINDS.indexOf(kind) as KindSlot;
}

/** Every reason slot, in FAULT_KINDS order (loops over kinds iterate this, never 0..n by hand). */
export const KIND_SLOTS: readonly KindSlot[] = FAULT_KINDS.map((kind) => kindSlot(kind));

/** Reason slots, derived from FAULT_KINDS (never hard-coded). */
export const K_OOR = kindSlot('OUT_OF_RANGE');
export const K_SPIKE = kindSlot('SPIKE');
export const K_STUCK = kindSlot('STUCK');
export const K_NOISE = kindSlot('NOISE');
export const K_DRIFT = kindSlot('DRIFT');
export const K_OFFLINE = kindSlot('OFFLINE');
export const K_GAP = kindSlot('GAP');
export const K_CLOCK = kindSlot('CLOCK');
export const KIND_COUNT = FAULT_KINDS.length;

/** Status slots, in TRUST_STATUSES order. */
export const S_UNKNOWN = 0;
export const S_HEALTHY = 1;
export const S_DEGRADED = 2;
export const S_FAULTY = 3;
export const S_OFFLINE = 4;

/** Severity slots, in SEVERITIES order (0 = NONE also means "reason inactive"). */
export const SEV_LOW = 1;
export const SEV_MEDIUM = 2;
export const SEV_HIGH = 3;
export const SEV_CRITICAL = 4;

/** Ring buffer length for the local median (power of two). */
export const BUF = 16;
/** Completeness buckets kept (one more than judged, so the current partial one never evicts a judged one). */
export const GAP_BUCKETS = 7;
/** Evidence numbers kept per reason for its message. */
export const EV = 3;
/**
 * DRIFT event-time windows kept per sensor (ring): windows not yet judged by the group's
 * watermark wait here. An import must be judged (advanceDrift) before this many fill up.
 */
export const DRIFT_WINDOWS = 12;

/** Current layout version of TrustState; restoreTrustState upgrades older ones step by step. */
export const STATE_VERSION = 12;
/** Hour-of-day slots of the sensor's usual variation (NOISE judged against its daily cycle). */
export const DAY_HOURS = 24;
/**
 * DRIFT's evidence packs the peers and the hour of day of its model in one number:
 * peers × DRIFT_HOUR_CODES + hour (0–23, or 24 for the all-hours model).
 */
export const DRIFT_HOUR_CODES = DAY_HOURS + 1;

/** Reason flag bits (`rf`): an advisory reason informs but adds no bad evidence and opens no ticket. */
export const RF_ADVISORY = 1;
/** GAP only: the reason is a completeness episode (below the sensor's own normal), not its chronic loss. */
export const RF_EPISODE = 2;
/**
 * OUT_OF_RANGE and STUCK: the fault came back soon after it ended (out of range again within
 * spikeWindowReadings, stuck again within as many readings of the last STUCK): an episode,
 * which holds the reason its clear count (oorClearReadings, stuckClearReadings) once the values
 * are back. Without it a single excursion or stuck stretch clears on the first good reading.
 */
export const RF_REPEATED = 4;

export type TrustState = {
  v: typeof STATE_VERSION;
  /** display unit and expected interval (s), copied from the profile for messages */
  unit: string;
  exp: number;
  /** in-order readings accepted; late (out-of-order or duplicate) readings counted */
  n: number;
  late: number;
  /**
   * event time of the first in-order reading of the current reporting run (restarts after a
   * silence longer than a completeness bucket), of the newest one (raw), and newest clamped to server time
   */
  firstTs: number | null;
  lastTs: number | null;
  seenTs: number | null;
  /** ring of recent values, write index, local median (recomputed every 4 readings) and MAD (every 16) */
  buf: number[];
  bi: number;
  med: number;
  mad: number;
  /** last accepted (non-outlier, in-range) value */
  prev: number;
  /** slow (baseline) and fast mean |Δ| between accepted readings; learned repeat rate P(Δ=0) */
  md: number;
  fd: number;
  p0: number;
  /** current run of identical values: length, start time, length needed to call it STUCK */
  run: number;
  runTs: number;
  runNeed: number;
  /** spike candidate awaiting the next reading: flag, time, value, deviation from the median */
  pend: number;
  pendTs: number;
  pendVal: number;
  pendDev: number;
  /** reading number and time of the last confirmed spike, spikes in the current episode */
  spN: number;
  spTs: number;
  spCount: number;
  /** reading number (`n`) of the last out-of-range reading, and of the last STUCK clearing */
  oN: number;
  tN: number;
  /**
   * burst of spike candidates: which of the last 6 readings were candidates (bit 0 the newest),
   * their mean |change| from the reading before (halving memory) and when the burst began
   */
  sBm: number;
  sBd: number;
  sBt: number;
  /** readings with a high noise ratio since it was last back to normal (below noiseClearRatio), and when the first of them came */
  nzRun: number;
  nzTs: number;
  /**
   * DRIFT in event time: newest window index (ts / driftWindowMinutes), per-window sum and
   * count of accepted values (ring of DRIFT_WINDOWS), newest window judged against the peers
   */
  wB: number;
  wS: number[];
  wC: number[];
  dJ: number;
  /**
   * NOISE against the peers, in the same event-time windows: per window the sum and count of
   * the zig-zag of in-order accepted values (min(|Δ|, |previous Δ|) when the two changes have
   * opposite signs, else 0); the previous signed change (0: none, or after a gap)
   */
  wZ: number[];
  wZc: number[];
  zD: number;
  /** NOISE raised by the peer comparison (1) and not by the sensor's own detector; windows back to normal since */
  zA: number;
  zQ: number;
  /** the sensor's usual ratio to its peers (a running median) and the windows it has learned from (counted up to 288) */
  zN: number;
  zK: number;
  /** mean interval irregularity (0..0.5); decaying count of clock events */
  irr: number;
  ce: number;
  /** completeness: newest bucket index and counts per bucket (ring) */
  gB: number;
  gC: number[];
  /** drift: learned offset vs peers, residual scale, learning time so far (ms, event time), departure start, back-within start */
  dOff: number;
  dScale: number;
  dLearn: number;
  dStart: number | null;
  dBelow: number | null;
  /**
   * drift per UTC hour of day: the residual's learned location (robust EWMA) and scale (mean
   * absolute deviation around it), and windows learned in that hour (a slot judges from 6 on;
   * before that the all-hours dOff/dScale do); windows learned in all (dOff/dScale learn as a
   * plain mean for a day's worth of them, then slowly)
   */
  dLoc: number[];
  dSc: number[];
  dHn: number[];
  dN: number;
  /** the sensor's own level: slow mean and mean absolute deviation around it (its own variation, per judged window) */
  dMu: number;
  dVar: number;
  /**
   * drift: start (event time) of the residual episode under way (a departure, then DRIFT if
   * raised; null: none), and per UTC hour the sum and count of its windows' residuals, clipped
   * at the threshold; learned into dLoc/dSc if it ends within driftEpisodeHours, dropped otherwise
   */
  dEp: number | null;
  dPS: number[];
  dPN: number[];
  /** beta reputation α, β; status slot; consecutive recovering readings; offline evidence accounted up to */
  a: number;
  b: number;
  st: number;
  up: number;
  offAt: number | null;
  /**
   * relapses: how many times in a row the sensor fell back from HEALTHY soon after recovering
   * (0..4, RELAPSE_MAX in verdict.ts; recovery then needs recoverReadings × 2^(rl−1) readings, one with none), and the reading
   * count `n` at its last return to HEALTHY (-1: never)
   */
  rl: number;
  rlN: number;
  /** per reason: severity slot (0 = inactive), since (event ms), clean-reading counter */
  ra: PerKind<number>;
  rs: PerKind<number | null>;
  rc: PerKind<number>;
  /** per reason: EV evidence numbers for its message */
  e: number[];
  /** per reason: flag bits (RF_ADVISORY) */
  rf: PerKind<number>;
  /** per reason, while the sensor recovers: event time it cleared (null: not recovering from it) and its last severity */
  cz: PerKind<number | null>;
  cv: PerKind<number>;
  /** 1 when the newest in-order reading arrived within the lateness bound of its timestamp (live), 0 for history */
  live: number;
  /** completeness judged in event time: newest judged bucket, learned normal completeness, buckets learned */
  gJ: number;
  gN: number;
  gK: number;
  /** learned normal interval irregularity (slow mean, 0..0.5) */
  irrN: number;
  /**
   * the highest irregularity (`irr`) the sensor has shown without CLOCK, a maximum that decays
   * over about two weeks of readings: a lossy radio's bursts of jitter are its normal
   */
  irrX: number;
  /** observed reporting interval (ms), a running median of the gaps between in-order readings */
  ivl: number;
  /** learned longest usual silence in expected intervals (decaying max of short silences) */
  gm: number;
  /** quantisation step: smallest non-zero change seen (0 = none yet) */
  qz: number;
  /**
   * learned longest usual run of identical values (decaying max of runs that ended without
   * raising STUCK) and the event time it was last updated
   */
  rN: number;
  rNt: number;
  /**
   * the sensor's usual mean |Δ| per UTC hour of day (0 = not seen yet), so a daily cycle of
   * variation is not NOISE; the hour being accumulated: index (ts / 1 h), the sum of its short-term
   * mean |Δ| (-1: none yet), readings, NOISE seen
   */
  nH: number[];
  nHb: number;
  nHs: number;
  nHc: number;
  nHz: number;
  /** the last quiet hour, waiting for the next one to pass quietly before it is learned: hour index (-1: none), mean */
  nHq: number;
  nHp: number;
  /**
   * while NOISE is active: each UTC hour of day's mean short-term |Δ| during this episode (0 =
   * not in it); learned into nH if the episode clears within noiseEpisodeHours, dropped otherwise
   */
  nX: number[];
  /** last trust point written: its time, score and active non-advisory kinds (ticketMask bits) */
  ptAt: number | null;
  ptScore: number;
  ptK: number;
};

const zeros = (len: number): number[] => new Array<number>(len).fill(0);

/** The hour-of-day NOISE normal as a new sensor starts it (also what a v4 state gains). */
const freshHourlyNoise = () => ({
  nH: zeros(DAY_HOURS),
  nHb: -1,
  nHs: -1,
  nHc: 0,
  nHz: 0,
  nHq: -1,
  nHp: 0,
  nX: zeros(DAY_HOURS),
});
/** No residual episode under way (a new sensor, and what a v7 state gains). */
const freshDriftEpisode = () => ({ dEp: null, dPS: zeros(DAY_HOURS), dPN: zeros(DAY_HOURS) });
/** The per-hour drift residual model as a new sensor starts it (also what a v6 state gains). */
const freshHourlyDrift = () => ({
  dLoc: zeros(DAY_HOURS),
  dSc: zeros(DAY_HOURS),
  dHn: zeros(DAY_HOURS),
  dN: 0,
  dMu: 0,
  dVar: 0,
  ...freshDriftEpisode(),
});
/** One `value` per fault kind (map keeps the length, so the tuple type holds). */
const perKind = <T>(value: T): PerKind<T> => FAULT_KINDS.map(() => value) as PerKind<T>;

/** NOISE against the peers before any window: no zig-zag, nothing learned, nothing raised. */
function noPeerNoise() {
  return { wZ: zeros(DRIFT_WINDOWS), wZc: zeros(DRIFT_WINDOWS), zD: 0, zA: 0, zQ: 0, zN: 0, zK: 0 };
}

/** Reason k's EV evidence numbers, for its message. */
export function evidenceOf(s: TrustState, k: KindSlot): [number, number, number] {
  const i = k * EV;
  const [e0, e1, e2] = [s.e[i], s.e[i + 1], s.e[i + 2]];
  // restoreTrustState checks every array's length, so this only trips on a hand-built state.
  if (e0 === undefined || e1 === undefined || e2 === undefined) throw new RangeError(`no evidence for slot ${k}`);
  return [e0, e1, e2];
}

export function initialTrustState(): TrustState {
  return {
    v: STATE_VERSION,
    unit: '',
    exp: 60,
    n: 0,
    late: 0,
    firstTs: null,
    lastTs: null,
    seenTs: null,
    buf: zeros(BUF),
    bi: 0,
    med: 0,
    mad: 0,
    prev: 0,
    md: 0,
    fd: 0,
    p0: 0,
    run: 1,
    runTs: 0,
    runNeed: 0,
    pend: 0,
    pendTs: 0,
    pendVal: 0,
    pendDev: 0,
    spN: -1_000_000,
    spTs: 0,
    spCount: 0,
    oN: -1_000_000,
    tN: -1_000_000,
    sBm: 0,
    sBd: 0,
    sBt: 0,
    nzRun: 0,
    nzTs: 0,
    wB: 0,
    wS: zeros(DRIFT_WINDOWS),
    wC: zeros(DRIFT_WINDOWS),
    dJ: -1,
    ...noPeerNoise(),
    irr: 0,
    ce: 0,
    gB: 0,
    gC: zeros(GAP_BUCKETS),
    dOff: 0,
    dScale: 0,
    dLearn: 0,
    dStart: null,
    dBelow: null,
    ...freshHourlyDrift(),
    a: 0,
    b: 0,
    st: S_UNKNOWN,
    up: 0,
    offAt: null,
    rl: 0,
    rlN: -1,
    ra: perKind(0),
    rs: perKind(null),
    rc: perKind(0),
    e: zeros(KIND_COUNT * EV),
    rf: perKind(0),
    cz: perKind(null),
    cv: perKind(0),
    live: 1,
    gJ: -1,
    gN: 1,
    gK: 0,
    irrN: 0,
    irrX: 0,
    ivl: 60_000,
    gm: 0,
    qz: 0,
    rN: 0,
    rNt: 0,
    ...freshHourlyNoise(),
    ptAt: null,
    ptScore: 50,
    ptK: 0,
  };
}

type Stored = Record<string, unknown>;

/**
 * Explicit upgrade steps: UPGRADES[n] turns a stored version-n state into version n+1.
 * Every change of the layout bumps STATE_VERSION and adds a step here (with a stored
 * fixture of the old version in fixtures/ and a test that it survives the upgrade).
 */
/** Upgrade steps by the version they upgrade from (UPGRADES below). */
export type StateUpgrades = Readonly<Record<number, (old: Stored) => Stored>>;
const UPGRADES: StateUpgrades = {
  // v1 → v2: recovering reasons (cz, cv), reason flags (rf), live/history arrival (live),
  // completeness judged in event time against the sensor's own normal (gJ, gN, gK).
  1: (old) => ({
    ...old,
    v: 2,
    rf: perKind(0),
    cz: perKind(null),
    cv: perKind(0),
    live: 1,
    // buckets up to the newest one counted so far count as judged: no re-judging of old data
    gJ: typeof old.gB === 'number' ? old.gB : -1,
    gN: 1,
    gK: 0,
  }),
  // v2 → v3: the sensor's own normal jitter (irrN), observed interval (ivl), usual silence (gm)
  // and quantisation step (qz). The irregularity learned so far is its normal unless CLOCK is on.
  2: (old) => {
    const ra = Array.isArray(old.ra) ? (old.ra as number[]) : [];
    const irr = typeof old.irr === 'number' ? old.irr : 0;
    const exp = typeof old.exp === 'number' ? old.exp : 60;
    return { ...old, v: 3, irrN: (ra[K_CLOCK] ?? 0) > 0 ? 0.05 : irr, ivl: exp * 1000, gm: 0, qz: 0 };
  },
  // v3 → v4: DRIFT judged per event-time window (wB, wS, wC, dJ) instead of from a smoothed
  // level at sweep time (lvl, dAt dropped). The learned offset, scale and learning time carry
  // over; the windows start empty and fill with the next readings.
  // (restoreTrustState keeps only the fields of the current layout.)
  3: (old) => ({ ...old, v: 4, wB: 0, wS: zeros(DRIFT_WINDOWS), wC: zeros(DRIFT_WINDOWS), dJ: -1 }),
  // v4 → v5: the sensor's usual longest run of identical values (rN, rNt) and its usual
  // variation per hour of day (nH and the hour being accumulated). Both start unlearned: until
  // a run ends or an hour passes, STUCK and NOISE judge exactly as v4 did.
  4: (old) => ({
    ...old,
    v: 5,
    rN: 0,
    rNt: typeof old.lastTs === 'number' ? old.lastTs : 0,
    ...freshHourlyNoise(),
  }),
  // v5 → v6: the hours of day a NOISE episode covered (nX), learned if it clears within
  // noiseEpisodeHours. A NOISE episode under way at the upgrade teaches nothing: it started
  // before its hours were kept.
  5: (old) => ({ ...old, v: 6, nX: zeros(DAY_HOURS) }),
  // v6 → v7: DRIFT's residual learned per hour of day (dLoc, dSc, dHn) and the sensor's own
  // variation (dMu, dVar). The all-hours offset and scale carry over and judge every hour
  // until its slot has learned; the own variation starts unlearned (peers count as tracking).
  6: (old) => ({
    ...old,
    v: 7,
    ...freshHourlyDrift(),
    dN: typeof old.dLearn === 'number' && typeof old.exp === 'number' ? Math.floor(old.dLearn / 600_000) : 0,
  }),
  // v7 → v8: the residual episode under way (dEp) and what it would teach each hour (dPS, dPN).
  // A departure or DRIFT under way at the upgrade teaches nothing: its windows were not kept.
  7: (old) => ({ ...old, v: 8, ...freshDriftEpisode() }),
  // v8 → v9: relapse memory of the status (rl, rlN) and CLOCK's usual highest irregularity
  // (irrX), NOISE from a burst of spike candidates. No relapse is known; the usual irregularity starts from the normal learned so far
  // (its mean), so CLOCK judges as v8 did until the sensor shows more.
  // A burst of spike candidates (sBm, sBd, sBt) starts empty.
  8: (old) => ({
    ...old,
    v: 9,
    rl: 0,
    rlN: -1,
    irrX: typeof old.irrN === 'number' ? old.irrN : 0,
    sBm: 0,
    sBd: 0,
    sBt: 0,
  }),
  // v9 → v10: the kinds of the last trust point (ptK), so a change of kinds writes a point. It
  // starts from the kinds active now: the upgrade itself writes none.
  9: (old) => ({
    ...old,
    v: 10,
    ptK: Array.isArray(old.ra) ? activeKindMask(old.ra as number[], (old.rf ?? []) as number[]) : 0,
  }),
  // v10 → v11: the reading numbers of the last out-of-range reading (oN) and of the last STUCK
  // clearing (tN), so a repeated fault holds its reason. None is known: an OUT_OF_RANGE or
  // STUCK active at the upgrade counts as a single one.
  10: (old) => ({ ...old, v: 11, oN: -1_000_000, tN: -1_000_000 }),
  // v11 → v12: NOISE against the peers (wZ, wZc, zD, zA, zQ, zN, zK) starts empty: the windows waiting
  // to be judged have no zig-zag, so the first few are judged on the readings that follow
  // (a window with too few is not judged for NOISE). A NOISE under way is the sensor's own.
  11: (old) => ({ ...old, v: 12, ...noPeerNoise() }),
};

/** Bit k set: kind slot k is active and not advisory (what a trust point's status rests on). */
export function activeKindMask(ra: readonly number[], rf: readonly number[]): number {
  let mask = 0;
  for (let k = 0; k < ra.length; k++) if ((ra[k] ?? 0) > 0 && ((rf[k] ?? 0) & RF_ADVISORY) === 0) mask |= 1 << k;
  return mask;
}

/** Per-kind arrays and their width per kind: a kind appended to FAULT_KINDS pads them. */
const PER_KIND: Record<string, number> = { ra: 1, rs: 1, rc: 1, e: EV, rf: 1, cz: 1, cv: 1 };
const NULLABLE_PER_KIND = new Set(['rs', 'cz']);

/** Why a stored state could not be restored (the sensor then starts over from the initial state). */
export const STATE_RESET_REASONS = ['malformed', 'unknown-version', 'newer-version', 'upgrade-failed'] as const;
export type StateResetReason = (typeof STATE_RESET_REASONS)[number];

/** A stored state that was thrown away: why, and the version it said it was. */
export interface StateReset {
  /**
   * malformed: not a state (not JSON, not an object, no numeric `v`, or a field of the wrong
   * type or length once at the current version); unknown-version: an older `v` with no upgrade
   * path (UPGRADES has no step for it); newer-version: a `v` above STATE_VERSION (written by a
   * newer build, e.g. read after a rollback); upgrade-failed: an upgrade step threw or did not
   * produce the next version.
   */
  reason: StateResetReason;
  /** the stored `v` (null: it had none that is a number) */
  storedVersion: number | null;
  /** what exactly was wrong, for the log (a field, the step's error); not a metric label */
  detail: string;
}

/** A restored state, and why it is the initial one instead of the stored one (null: it is not). */
export interface RestoredState {
  state: TrustState;
  reset: StateReset | null;
}

const kept = (state: TrustState): RestoredState => ({ state, reset: null });
const startOver = (reason: StateResetReason, storedVersion: number | null, detail: string): RestoredState => ({
  state: initialTrustState(),
  reset: { reason, storedVersion, detail },
});
const shapeOf = (x: unknown) => (Array.isArray(x) ? `array(${x.length})` : x === null ? 'null' : typeof x);

/**
 * Turn persisted jsonb back into a state. An older version is upgraded step by step
 * (UPGRADES); per-kind arrays written before a kind was added are padded for it; any field
 * a newer build added is filled from the initial state. Anything unrecognised — an unknown
 * version, wrong array lengths, non-finite numbers — starts over from the initial state: the
 * sensor relearns within minutes, and a corrupt state must not poison the engine. Such a
 * reset is never silent: `reset` says why, and the caller (the shell) reports it.
 * `upgrades` is UPGRADES; state.test.ts passes broken steps to check how a failing one is reported.
 */
export function restoreTrustState(raw: unknown, upgrades: StateUpgrades = UPGRADES): RestoredState {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return startOver('malformed', null, `not a state object: ${shapeOf(raw)}`);
  let r = raw as Stored;
  const stored = r.v;
  if (typeof stored !== 'number') return startOver('malformed', null, `v is ${shapeOf(stored)}`);
  if (stored > STATE_VERSION) return startOver('newer-version', stored, `this build reads up to v${STATE_VERSION}`);
  while (r.v !== STATE_VERSION) {
    const from = r.v as number;
    const step = upgrades[from];
    if (!step) return startOver('unknown-version', stored, `no upgrade step from v${from}`);
    try {
      r = step(r);
    } catch (err) {
      return startOver('upgrade-failed', stored, `v${from} → v${from + 1}: ${String(err)}`);
    }
    if (r.v !== from + 1) return startOver('upgrade-failed', stored, `v${from} step returned v${String(r.v)}`);
  }
  const fresh = initialTrustState();
  const out = fresh as unknown as Stored;
  for (const key of Object.keys(out)) {
    if (!(key in r)) continue;
    const want = out[key];
    let got = r[key];
    const wrong = (what: string) => startOver('malformed', stored, `${key}: ${what}`);
    if (Array.isArray(want)) {
      if (!Array.isArray(got)) return wrong(`${shapeOf(got)}, want an array`);
      const width = PER_KIND[key];
      if (width && got.length < want.length && got.length % width === 0) {
        // Kinds are only ever appended to FAULT_KINDS: the new ones start inactive.
        const pad = new Array<number | null>(want.length - got.length).fill(NULLABLE_PER_KIND.has(key) ? null : 0);
        got = [...(got as unknown[]), ...pad];
      }
      if ((got as unknown[]).length !== want.length)
        return wrong(`length ${(got as unknown[]).length}, want ${want.length}`);
      if (!(got as unknown[]).every((x) => x === null || (typeof x === 'number' && Number.isFinite(x))))
        return wrong('holds something other than finite numbers and null');
    } else if (typeof want === 'string') {
      if (typeof got !== 'string') return wrong(`${shapeOf(got)}, want a string`);
    } else if (got !== null && !(typeof got === 'number' && Number.isFinite(got)))
      return wrong(`${shapeOf(got)}, want a finite number or null`);
    out[key] = got;
  }
  return kept(fresh);
}

/**
 * The engine state of a stored row's JSON text (null: the sensor was never judged, so it
 * starts from the initial state and nothing was reset). Text that is not JSON is `malformed`.
 */
export function parseTrustState(json: string | null): RestoredState {
  if (json === null) return kept(initialTrustState());
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    return startOver('malformed', null, `not JSON: ${String(err)}`);
  }
  return restoreTrustState(raw);
}
