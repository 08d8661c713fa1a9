// Plain data shaped like the API's answers (fragment masking is type-only).
export const summary = (over: Partial<Record<string, unknown>> = {}) => ({
  __typename: 'DashboardSummary',
  sensorCount: 54,
  averageTrust: 87.4,
  statusCounts: [
    { status: 'HEALTHY', count: 50 },
    { status: 'DEGRADED', count: 2 },
    { status: 'FAULTY', count: 1 },
    { status: 'OFFLINE', count: 1 },
    { status: 'UNKNOWN', count: 0 },
  ],
  openTickets: 3,
  openTicketsBySeverity: [
    { severity: 'HIGH', count: 2 },
    { severity: 'MEDIUM', count: 1 },
  ],
  readingsLastHour: 38_880,
  generatedAt: '2026-11-28T12:00:00.000Z',
  ...over,
});

export const zoneStats = (id: string, name: string, averageTrust: number | null, counts: Record<string, number>) => ({
  __typename: 'ZoneStats',
  zoneId: id,
  zoneName: name,
  sensorCount: Object.values(counts).reduce((a, b) => a + b, 0),
  averageTrust,
  statusCounts: Object.entries(counts).map(([status, count]) => ({ status, count })),
  openTickets: counts.FAULTY ?? 0,
});

export const ticket = (id: string, over: Partial<Record<string, unknown>> = {}) => ({
  __typename: 'Ticket',
  id,
  title: `Ticket ${id}: readings out of range`,
  kind: 'OUT_OF_RANGE',
  severity: 'HIGH',
  status: 'OPEN',
  assignee: null,
  openedAt: '2026-11-28T11:50:00.000Z',
  updatedAt: '2026-11-28T11:55:00.000Z',
  resolvedAt: null,
  occurrences: 1,
  lastSeenAt: null,
  openedDuringMaintenance: false,
  silences: [],
  sensor: {
    __typename: 'Sensor',
    id: 'hall-a-temp-1',
    name: 'Hall A temperature 1',
    maintenance: [],
    trust: { __typename: 'TrustScore', reasons: [] },
    zone: { __typename: 'Zone', id: 'hall-a', name: 'Assembly Hall A' },
  },
  events: [
    { __typename: 'TicketEvent', at: '2026-11-28T11:50:00.000Z', type: 'OPENED', actor: 'automation', note: null },
  ],
  ...over,
});
