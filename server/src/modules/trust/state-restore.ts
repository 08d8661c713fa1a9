// Engine states from their stored rows, for the trust service (sweep) and the trust
// stream. The pure core (trust/state.ts) says when a stored state could not be restored
// and why; here each such reset is logged and counted (sensor_trust_state_resets_total),
// so a layout change, a rollback to an older build or a corrupt row never silently makes
// sensors relearn from scratch.
import type { FastifyBaseLogger } from 'fastify';
import {
  parseTrustState,
  STATE_RESET_REASONS,
  STATE_VERSION,
  type StateResetReason,
  type TrustState,
} from '../../trust/index.js';

export interface StateRestorer {
  /**
   * The engine state of a sensor's stored JSON (null: never judged, the initial state). A
   * stored state that cannot be restored is logged, counted, and replaced by the initial state.
   */
  restore(sensorId: string, json: string | null): TrustState;
  /** Stored states thrown away on this instance since it started, by reason. */
  readonly resets: Readonly<Record<StateResetReason, number>>;
}

export function createStateRestorer(log: Pick<FastifyBaseLogger, 'warn'>): StateRestorer {
  const resets = Object.fromEntries(STATE_RESET_REASONS.map((reason) => [reason, 0])) as Record<
    StateResetReason,
    number
  >;
  return {
    resets,
    restore(sensorId, json) {
      const { state, reset } = parseTrustState(json);
      if (reset) {
        resets[reset.reason]++;
        log.warn(
          {
            sensorId,
            storedVersion: reset.storedVersion,
            reason: reset.reason,
            detail: reset.detail,
            stateVersion: STATE_VERSION,
          },
          `trust state of sensor ${sensorId} (stored version ${reset.storedVersion ?? 'none'}) cannot be restored ` +
            `(${reset.reason}: ${reset.detail}); the sensor's learned state starts over`,
        );
      }
      return state;
    },
  };
}
