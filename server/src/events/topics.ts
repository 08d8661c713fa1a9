// Every pub/sub topic and its payload, in one place. Services publish these after
// their transaction commits; subscription resolvers read them.

export const Topic = {
  /** A batch of readings was stored (one message per ingest batch, not per reading). */
  ReadingsAdded: 'READINGS_ADDED',
  /** Sensors whose registry entry or trust changed. */
  SensorsUpdated: 'SENSORS_UPDATED',
  /** A ticket changed (opened, escalated, acknowledged, resolved, …). */
  TicketUpdated: 'TICKET_UPDATED',
  /** An incident changed (opened, a ticket joined, acknowledged, notified, resolved). */
  IncidentUpdated: 'INCIDENT_UPDATED',
  /** Something the dashboard shows changed; the dashboard module coalesces these. */
  DashboardChanged: 'DASHBOARD_CHANGED',
  /** Sensor registry changed: instances drop their cached profiles. */
  SensorRegistryChanged: 'SENSOR_REGISTRY_CHANGED',
} as const;
export type Topic = (typeof Topic)[keyof typeof Topic];

export interface ReadingEvent {
  sensorId: string;
  zoneId: string | null;
  /** epoch ms */
  ts: number;
  value: number;
}

export interface ReadingsAddedPayload {
  readings: ReadingEvent[];
}

export interface SensorsUpdatedPayload {
  sensors: { sensorId: string; zoneId: string | null }[];
}

export interface TicketUpdatedPayload {
  ticketId: string;
  sensorId: string;
  zoneId: string | null;
  /** The incident the ticket joined in this change, if any. */
  incidentId?: string | null;
}

export interface IncidentUpdatedPayload {
  incidentId: string;
}

export interface DashboardChangedPayload {
  reason: 'readings' | 'trust' | 'tickets' | 'registry';
}

export interface SensorRegistryChangedPayload {
  sensorIds: string[];
}

export interface TopicPayloads {
  [Topic.ReadingsAdded]: ReadingsAddedPayload;
  [Topic.SensorsUpdated]: SensorsUpdatedPayload;
  [Topic.TicketUpdated]: TicketUpdatedPayload;
  [Topic.IncidentUpdated]: IncidentUpdatedPayload;
  [Topic.DashboardChanged]: DashboardChangedPayload;
  [Topic.SensorRegistryChanged]: SensorRegistryChangedPayload;
}
