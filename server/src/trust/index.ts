// Public surface of the pure trust engine. See README.md for the model and every threshold.
import { buildVerdict, statusName } from './verdict.js';
import { RF_ADVISORY, S_DEGRADED, S_FAULTY, type TrustState } from './state.js';
import type { TrustStatus, TrustVerdict } from './types.js';

export * from './types.js';
export {
  DEFAULT_TRUST_CONFIG,
  mergeTrustConfig,
  thresholdsFor,
  type TrustConfig,
  type TrustThresholds,
} from './config.js';
export {
  initialTrustState,
  parseTrustState,
  restoreTrustState,
  STATE_RESET_REASONS,
  STATE_VERSION,
  type RestoredState,
  type StateReset,
  type StateResetReason,
  type TrustState,
} from './state.js';
export { INITIAL_SCORE, statusName } from './verdict.js';
export { observe, type StepObserver, type TrustOutcome } from './observe.js';
export { advanceDrift, driftBacklog, DRIFT_BACKLOG_LIMIT, sweepFleet } from './sweep.js';

/** Current verdict of a state without changing it (for reads). */
export function verdictOf(state: TrustState): TrustVerdict {
  return buildVerdict(state);
}

/** Status of a state without building its verdict (the shell never reads the short keys). */
export function statusOf(state: TrustState): TrustStatus {
  return statusName(state.st);
}

/** The state's verdict has reasons: active ones, or cleared ones a DEGRADED/FAULTY sensor recovers from. */
export function hasReasons(state: TrustState): boolean {
  if (state.ra.some((severity) => severity > 0)) return true;
  if (state.st !== S_DEGRADED && state.st !== S_FAULTY) return false;
  return state.cz.some((clearedAt) => clearedAt !== null);
}

/**
 * The reading just observed is flagged: a reason that counts against the sensor (not an advisory
 * one) is active. The series' rollups count such readings so charts can shade them.
 */
export function isFlagged(state: TrustState): boolean {
  return state.ra.some((severity, k) => severity > 0 && (state.rf[k]! & RF_ADVISORY) === 0);
}

/** Event time of the newest reading the state has seen, or null. */
export function lastReadingAt(state: TrustState): number | null {
  return state.lastTs;
}
export { observeMany, type BatchOutcome, type SensorBatch } from './observe-many.js';
export {
  holdReadings,
  lowestHeld,
  nextRelease,
  releaseReadings,
  reorderBuffer,
  type Arrival,
  type ReorderBuffer,
} from './reorder.js';
