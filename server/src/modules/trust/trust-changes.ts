// What the trust shell hands to ticket automation, inside the same transaction
// that persisted the trust state. Ticket automation (modules/tickets) imports these.
import type { SqlTx } from '../../db/sql-transaction.js';
import type { TicketUpdatedPayload } from '../../events/topics.js';
import type { FaultKind, TrustStatus, TrustVerdict } from '../../trust/types.js';

export type Tx = SqlTx;

/**
 * One sensor's trust after an evaluation (ingest batch or sweep). Only produced for
 * sensors that have reasons now or had reasons before, so healthy fleets cost nothing.
 */
export interface TrustChange {
  sensorId: string;
  zoneId: string | null;
  previous: { status: TrustStatus; score: number; reasonKinds: FaultKind[] };
  verdict: TrustVerdict;
  /** When the current status began (event time), null while never evaluated. */
  statusSince: Date | null;
  /** Event time of the evaluation: newest reading of the batch, or the sweep's `now`. */
  at: Date;
}

/** Implemented by modules/tickets/ticket-automation.ts; optional until it is wired in services.ts. */
export interface TicketAutomation {
  /**
   * Changes of one sensor, in event order, may come several at a time; each is planned on
   * the tickets as the ones before it left them.
   */
  apply(tx: Tx, changes: TrustChange[]): Promise<TicketUpdatedPayload[]>;
  /**
   * Equal digests of consecutive changes of a sensor plan the same (only the later one's time
   * moves `lastSeenAt`): the shell hands over the first and the last change of each run.
   */
  digest(change: TrustChange): string;
  /** Escalation and auto-resolution at `now` of these sensors' tickets (null: every sensor's). */
  sweep(tx: Tx, now: Date, sensorIds: string[] | null): Promise<TicketUpdatedPayload[]>;
}
