// Which cause a freshly opened ticket shares with others (pure). Checked in this order:
//   1. the fleet is silent (no sensor has reported for INCIDENT_FLEET_SILENCE_INTERVALS of its
//      intervals) and the ticket is OFFLINE              → "fleet"            FLEET_SILENT
//   2. OFFLINE and the sensor has a gateway or a known
//      source (API key, MQTT client)                      → "source:<source>"  SOURCE_SILENT
//   3. any other fault                                    → "zone:<zone>:<kind>" ZONE_FAULT
// The key is the incident's group_key: one open incident per key (unique index), joined by
// tickets that open within INCIDENT_WINDOW_SECONDS (event time) of the last one that joined.
// A fleet incident opens with its first ticket (the silence is the evidence); a source needs
// two sensors, a zone fault INCIDENT_MIN_TICKETS. ENVIRONMENT is decided before tickets open
// (environment.ts).
import type { IncidentSettings } from '../../config.js';
import type { OpenedTicket } from '../tickets/index.js';

export type { OpenedTicket };

export type IncidentCause = 'FLEET_SILENT' | 'SOURCE_SILENT' | 'ZONE_FAULT' | 'ENVIRONMENT';

export interface SensorFacts {
  sensorId: string;
  zoneId: string | null;
  sensorKind: string;
  gatewayId: string | null;
  /** Where its latest readings came from ("key:<name>", "mqtt:<client>", "open"), null if unknown. */
  source: string | null;
}

export interface Cause {
  cause: IncidentCause;
  /** Also the incident's group_key while it is open. */
  scope: string;
  summary: string;
  zoneId: string | null;
  source: string | null;
  /** How many tickets (this batch and unattached peers within the window) open the incident. */
  minTickets: number;
}

/** "gateway gw-7", "API key simulator", "MQTT client plant-3". */
export function sourceLabel(source: string): string {
  const [type, ...rest] = source.split(':');
  const name = rest.join(':');
  if (type === 'gateway') return `gateway ${name}`;
  if (type === 'key') return `API key ${name}`;
  if (type === 'mqtt') return `MQTT client ${name}`;
  return source;
}

export function causeOf(
  ticket: Pick<OpenedTicket, 'kind' | 'sensorId'>,
  facts: SensorFacts | undefined,
  fleetSilent: boolean,
  settings: Pick<IncidentSettings, 'minTickets'>,
): Cause {
  const zoneId = facts?.zoneId ?? null;
  if (ticket.kind === 'OFFLINE') {
    if (fleetSilent)
      return {
        cause: 'FLEET_SILENT',
        scope: 'fleet',
        summary: 'No readings from the fleet',
        zoneId: null,
        source: null,
        minTickets: 1,
      };
    const source = facts?.gatewayId ? `gateway:${facts.gatewayId}` : (facts?.source ?? null);
    if (source)
      return {
        cause: 'SOURCE_SILENT',
        scope: `source:${source}`,
        summary: `No data from ${sourceLabel(source)}`,
        zoneId: null,
        source,
        minTickets: 2,
      };
  }
  const zone = zoneId ?? '-';
  return {
    cause: 'ZONE_FAULT',
    scope: `zone:${zone}:${ticket.kind}`,
    summary: `${ticket.kind} on many sensors of ${zoneId ? `zone ${zoneId}` : 'sensors without a zone'}`,
    zoneId,
    source: null,
    minTickets: settings.minTickets,
  };
}
