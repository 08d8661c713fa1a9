// Per-sensor engine state: plain JSON data (numbers, arrays, null, one string) that
// the data layer stores as jsonb and hands back. Field names are short because
// 10,000s of these are persisted; each is documented here.

/** Reason slots, in FAULT_KINDS order. */
export const K_OOR = 0;
export const K_SPIKE = 1;
export const K_STUCK = 2;
export const K_NOISE = 3;
export const K_DRIFT = 4;
export const K_OFFLINE = 5;
export const K_GAP = 6;
export const K_CLOCK = 7;
export const KIND_COUNT = 8;

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

export type TrustState = {
  v: 1;
  /** display unit and expected interval (s), copied from the profile for messages */
  unit: string;
  exp: number;
  /** in-order readings accepted; late (out-of-order or duplicate) readings counted */
  n: number;
  late: number;
  /** event time of the first and newest in-order reading (raw), and newest clamped to server time */
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
  /** consecutive readings with a high noise ratio, and when that run began */
  nzRun: number;
  nzTs: number;
  /** smoothed level (for peer consensus) */
  lvl: number;
  /** mean interval irregularity (0..0.5); decaying count of clock events */
  irr: number;
  ce: number;
  /** completeness: newest bucket index and counts per bucket (ring) */
  gB: number;
  gC: number[];
  /** drift: learned offset vs peers, residual scale, learning time so far (ms), last judged at, departure start, back-within start */
  dOff: number;
  dScale: number;
  dLearn: number;
  dAt: number | null;
  dStart: number | null;
  dBelow: number | null;
  /** beta reputation α, β; status slot; consecutive recovering readings; offline evidence accounted up to */
  a: number;
  b: number;
  st: number;
  up: number;
  offAt: number | null;
  /** per reason: severity slot (0 = inactive), since (event ms), clean-reading counter */
  ra: number[];
  rs: (number | null)[];
  rc: number[];
  /** per reason: EV evidence numbers for its message */
  e: number[];
  /** last trust point written */
  ptAt: number | null;
  ptScore: number;
};

const zeros = (len: number): number[] => new Array<number>(len).fill(0);

export function initialTrustState(): TrustState {
  return {
    v: 1,
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
    nzRun: 0,
    nzTs: 0,
    lvl: 0,
    irr: 0,
    ce: 0,
    gB: 0,
    gC: zeros(GAP_BUCKETS),
    dOff: 0,
    dScale: 0,
    dLearn: 0,
    dAt: null,
    dStart: null,
    dBelow: null,
    a: 0,
    b: 0,
    st: S_UNKNOWN,
    up: 0,
    offAt: null,
    ra: zeros(8),
    rs: new Array<number | null>(8).fill(null),
    rc: zeros(8),
    e: zeros(8 * EV),
    ptAt: null,
    ptScore: 50,
  };
}

/**
 * Turn persisted jsonb back into a state. Version 1 is taken as is, with any field a newer
 * build added filled from the initial state. Anything unrecognised — another version, wrong
 * array lengths, non-finite numbers — starts over from the initial state: the sensor
 * relearns within minutes, and a corrupt state must not poison the engine. Migrations from
 * future layouts go here.
 */
export function restoreTrustState(raw: unknown): TrustState {
  const fresh = initialTrustState();
  if (typeof raw !== 'object' || raw === null || (raw as { v?: unknown }).v !== 1) return fresh;
  const r = raw as Record<string, unknown>;
  const out = fresh as unknown as Record<string, unknown>;
  for (const key of Object.keys(out)) {
    if (!(key in r)) continue;
    const want = out[key];
    const got = r[key];
    if (Array.isArray(want)) {
      if (!Array.isArray(got) || got.length !== want.length) return initialTrustState();
      if (!got.every((x) => x === null || (typeof x === 'number' && Number.isFinite(x)))) return initialTrustState();
    } else if (typeof want === 'string') {
      if (typeof got !== 'string') return initialTrustState();
    } else if (got !== null && !(typeof got === 'number' && Number.isFinite(got))) return initialTrustState();
    out[key] = got;
  }
  return fresh;
}
