// What ticket automation asks of incident grouping, inside its own transaction. The tickets
// module owns this port; modules/incidents implements it (incident-grouping.ts), so imports run
// from incidents down to tickets.
import type { SqlTx } from '../../db/sql-transaction.js';
import type { FaultKind, Severity } from '../../trust/types.js';

export interface OpenedTicket {
  ticketId: string;
  sensorId: string;
  kind: FaultKind;
  severity: Severity;
  at: Date;
}

export interface IncidentGrouping {
  /** Returns ticket id → incident id for the tickets that joined one. */
  assign(tx: SqlTx, opened: readonly OpenedTicket[]): Promise<Map<string, string>>;
  /**
   * Before tickets open: takes out the ones that are a zone's environment moving (ENVIRONMENT
   * incident instead), and resolves the movers' tickets that opened earlier in the window.
   */
  holdEnvironment<T extends { sensorId: string; kind: FaultKind; at: Date }>(
    tx: SqlTx,
    inserts: readonly T[],
  ): Promise<{ keep: T[]; incidentIds: string[]; released: { id: string; sensor_id: string }[] }>;
}
