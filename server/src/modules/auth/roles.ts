// Who may do what: one list of roles, one list of actions, and the root field →
// action table that every GraphQL path (HTTP, WebSocket, the stored dashboard
// responses) is checked against. Adding a root field to the schema without an
// entry here is a compile error (RootFieldPolicy is exhaustive over the
// generated resolver types) and a test failure (auth-policy.test.ts).
import type { MutationResolvers, QueryResolvers, SubscriptionResolvers } from '../../generated/graphql.js';

export const ROLES = ['VIEWER', 'INTEGRATOR', 'OPERATOR', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role => (ROLES as readonly unknown[]).includes(value);

/** What a request wants to do, coarser than fields: the unit of the roles table. */
export type Action =
  | 'whoami' // viewer
  | 'readRegistry' // sensors and zones
  | 'read' // everything else that reads: trust, tickets, dashboards, subscriptions
  | 'ingest' // ingestReadings
  | 'operate' // ticket actions, maintenance windows, evaluateTrust
  | 'manageRegistry' // upsertZone, upsertSensor, retireSensor, reactivateSensor, deleteZone
  | 'manageKeys' // apiKeys, createApiKey, revokeApiKey
  | 'manageNotifications'; // webhook receivers (their URLs and secrets)

const GRANTS: Record<Role, readonly Action[]> = {
  VIEWER: ['whoami', 'readRegistry', 'read'],
  INTEGRATOR: ['whoami', 'readRegistry', 'ingest'],
  OPERATOR: ['whoami', 'readRegistry', 'read', 'operate'],
  ADMIN: ['whoami', 'readRegistry', 'read', 'ingest', 'operate', 'manageRegistry', 'manageKeys', 'manageNotifications'],
};

export function can(role: Role, action: Action): boolean {
  return GRANTS[role].includes(action);
}

type RootFieldPolicy = {
  Query: Record<keyof QueryResolvers, Action>;
  Mutation: Record<keyof MutationResolvers, Action>;
  Subscription: Record<keyof SubscriptionResolvers, Action>;
};

export const ROOT_FIELD_POLICY: RootFieldPolicy = {
  Query: {
    viewer: 'whoami',
    sensors: 'readRegistry',
    sensor: 'readRegistry',
    zones: 'readRegistry',
    zone: 'readRegistry',
    trustScores: 'read',
    trustLag: 'read',
    awaitTrust: 'read',
    tickets: 'read',
    ticket: 'read',
    incidents: 'read',
    incident: 'read',
    dashboardSummary: 'read',
    zoneStats: 'read',
    fleetTrend: 'read',
    maintenanceWindows: 'read',
    apiKeys: 'manageKeys',
    notificationReceivers: 'manageNotifications',
    silences: 'read',
  },
  Mutation: {
    upsertZone: 'manageRegistry',
    upsertSensor: 'manageRegistry',
    upsertSensors: 'manageRegistry',
    upsertZones: 'manageRegistry',
    retireSensor: 'manageRegistry',
    reactivateSensor: 'manageRegistry',
    deleteZone: 'manageRegistry',
    ingestReadings: 'ingest',
    evaluateTrust: 'operate',
    acknowledgeTicket: 'operate',
    assignTicket: 'operate',
    startTicket: 'operate',
    commentTicket: 'operate',
    resolveTicket: 'operate',
    acknowledgeIncident: 'operate',
    resolveIncident: 'operate',
    setTicketSeverity: 'operate',
    bulkUpdateTickets: 'operate',
    scheduleMaintenance: 'operate',
    cancelMaintenance: 'operate',
    silence: 'operate',
    unsilence: 'operate',
    createApiKey: 'manageKeys',
    revokeApiKey: 'manageKeys',
    createNotificationReceiver: 'manageNotifications',
    deleteNotificationReceiver: 'manageNotifications',
    sendTestNotification: 'manageNotifications',
  },
  Subscription: {
    dashboardUpdated: 'read',
    readingAdded: 'read',
    ticketUpdated: 'read',
    incidentUpdated: 'read',
    sensorUpdated: 'read',
  },
};

/**
 * Fields below the root that read more than the registry: a key that may read the registry
 * (INTEGRATOR) reaches sensors and zones, but not their trust, readings, tickets or stats.
 */
export const NESTED_FIELD_POLICY: Record<string, Record<string, Action>> = {
  Sensor: {
    trust: 'read',
    readings: 'read',
    trustHistory: 'read',
    tickets: 'read',
    lastReading: 'read',
    maintenance: 'read',
    silences: 'read',
  },
  Zone: { stats: 'read', silences: 'read', maintenance: 'read' },
  Ticket: { silences: 'read', openedDuringMaintenance: 'read' },
};

/**
 * Arguments of registry fields that filter by trust (status, reasons, or a search that matches
 * fault kinds named in words): they need `read` too.
 */
export function argumentAction(rootType: string, field: string, args: unknown): Action | null {
  if (rootType !== 'Query' || field !== 'sensors') return null;
  const filter = (args as { filter?: { status?: unknown; reason?: unknown; search?: unknown } | null }).filter;
  if (!filter) return null;
  const used = (v: unknown) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0);
  return used(filter.status) || used(filter.reason) || used(filter.search) ? 'read' : null;
}

/**
 * HTTP routes outside GraphQL that read what GraphQL guards: /metrics holds trust-status and
 * open-ticket counts, so it needs `read` as trustScores and tickets do (INTEGRATOR: FORBIDDEN).
 */
export const ROUTE_POLICY: Record<string, Action> = {
  '/metrics': 'read',
};

/** The action a root field needs, or null for fields outside the table (introspection: __typename). */
export function actionOf(rootType: string, field: string): Action | null {
  const table = (ROOT_FIELD_POLICY as Record<string, Record<string, Action>>)[rootType];
  return table?.[field] ?? null;
}
