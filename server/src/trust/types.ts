// Plain data shared by the trust core and the shell around it.
// Times are epoch milliseconds (numbers): cheap to compare, trivially serialisable.

export const FAULT_KINDS = ['OUT_OF_RANGE', 'SPIKE', 'STUCK', 'NOISE', 'DRIFT', 'OFFLINE', 'GAP', 'CLOCK'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

type Digits<S> = S extends `${infer N extends number}` ? N : never;
type MapTuple<A, T> = { -readonly [K in keyof A]: T };
/** A fault kind's slot: its index in FAULT_KINDS, as a type (0 | 1 | … | n-1), derived from the list. */
export type KindSlot = Digits<Exclude<keyof typeof FAULT_KINDS, keyof (readonly unknown[])>>;
/** One T per fault kind, in FAULT_KINDS order: a tuple, so indexing it with a KindSlot is always in range. */
export type PerKind<T> = MapTuple<typeof FAULT_KINDS, T>;

export const TRUST_STATUSES = ['UNKNOWN', 'HEALTHY', 'DEGRADED', 'FAULTY', 'OFFLINE'] as const;
export type TrustStatus = (typeof TRUST_STATUSES)[number];

export const SEVERITIES = ['NONE', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What the engine needs to know about a sensor (its registry entry). */
export interface SensorProfile {
  id: string;
  kind: string;
  unit: string | null;
  zoneId: string | null;
  minValue: number | null;
  maxValue: number | null;
  expectedIntervalSeconds: number;
  /**
   * Report-by-exception sensors: the longest silence (s) that still means "unchanged". GAP
   * and interval regularity are not judged, OFFLINE waits for the heartbeat, and repeats at
   * heartbeat spacing are not STUCK. null/absent: a periodic sensor.
   */
  heartbeatSeconds?: number | null;
}

/** Reasons that count against a sensor (open tickets, mean "noticed"): active and not advisory. */
export function isTicketReason(r: Pick<TrustReason, 'active' | 'advisory'>): boolean {
  return r.active !== false && r.advisory !== true;
}

/**
 * What an evaluation counts as reported: ticket reasons, and completeness episodes (GAP at
 * MEDIUM: the sensor delivers well below its own normal), which are advisory because missing
 * readings say nothing about the values that came. Chronic loss (GAP at LOW) is not reported.
 */
export function isReportedReason(r: Pick<TrustReason, 'active' | 'advisory' | 'kind' | 'severity'>): boolean {
  return isTicketReason(r) || (r.active !== false && r.kind === 'GAP' && r.severity !== 'LOW');
}

export interface ReadingSample {
  /** event time, epoch ms */
  ts: number;
  value: number;
  /**
   * When the server received it (epoch ms). The engine judges "live or history" and "from the
   * future" against it, so the outcome does not depend on how readings are grouped into calls.
   * Absent: the `now` of the call.
   */
  receivedAt?: number | null;
}

export interface TrustReason {
  kind: FaultKind;
  severity: Severity;
  message: string;
  /** event time (epoch ms) when this condition started, or null if unknown */
  since: number | null;
  /**
   * false: the condition has cleared and the sensor is recovering from it (still DEGRADED or
   * FAULTY by hysteresis); listed after the active reasons until the sensor is HEALTHY again.
   */
  active: boolean;
  /** event time (epoch ms) the condition cleared; null while active */
  clearedAt: number | null;
  /**
   * true: informs only. It adds no bad evidence and opens no ticket (for example OFFLINE of a
   * sensor whose data only ever arrived as history, or a steady reporting-pattern note).
   */
  advisory: boolean;
}

export interface TrustVerdict {
  /** 0..100 */
  score: number;
  status: TrustStatus;
  severity: Severity;
  reasons: TrustReason[];
}

/** A fault kind active at a trust-history point, with its severity then. */
export interface TrustPointReason {
  kind: FaultKind;
  severity: Severity;
  /** informs only (counts nothing against the sensor), as TrustReason.advisory */
  advisory: boolean;
}

export interface TrustPointData {
  /** event time, epoch ms */
  at: number;
  score: number;
  status: TrustStatus;
  /** the kinds active at that moment, highest severity first */
  reasons: TrustPointReason[];
}
