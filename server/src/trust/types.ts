// Plain data shared by the trust core and the shell around it.
// Times are epoch milliseconds (numbers): cheap to compare, trivially serialisable.

export const FAULT_KINDS = ['OUT_OF_RANGE', 'SPIKE', 'STUCK', 'NOISE', 'DRIFT', 'OFFLINE', 'GAP', 'CLOCK'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

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
}

export interface ReadingSample {
  /** event time, epoch ms */
  ts: number;
  value: number;
}

export interface TrustReason {
  kind: FaultKind;
  severity: Severity;
  message: string;
  /** event time (epoch ms) when this condition started, or null if unknown */
  since: number | null;
}

export interface TrustVerdict {
  /** 0..100 */
  score: number;
  status: TrustStatus;
  severity: Severity;
  reasons: TrustReason[];
}

export interface TrustPointData {
  /** event time, epoch ms */
  at: number;
  score: number;
  status: TrustStatus;
}
