// Actor fields come from the API key, never from input (issue 23): the planner of a
// maintenance window (`createdBy`), the actor of ticket events (acknowledge, assign,
// start, comment, resolve, bulk) and of a sensor's retirement. `assignee` names whom the
// work goes to, not who acts: it stays free.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const ADMIN_KEY = 'actor-fields-admin-key-0123456789';
const SCHEDULE = `mutation($input: MaintenanceInput!) { scheduleMaintenance(input: $input) { id createdBy } }`;

describe.each(TARGETS)('actor fields on %s', (target) => {
  let t: TestApp;
  let operator: string;
  const startsAt = new Date(Date.now() + 60_000).toISOString();
  const endsAt = new Date(Date.now() + 3_600_000).toISOString();

  async function post(key: string, query: string, variables?: Record<string, unknown>, headers = {}) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { authorization: `Bearer ${key}`, ...headers },
      payload: { query, variables },
    });
    return res.json();
  }

  beforeAll(async () => {
    t = await startTestApp(target, { env: { ADMIN_API_KEY: ADMIN_KEY } });
    operator = (await t.app.services.auth.create('night-shift', 'OPERATOR')).key;
    await post(ADMIN_KEY, 'mutation { upsertZone(input: { id: "z", name: "Z" }) { id } }');
    await post(
      ADMIN_KEY,
      'mutation { upsertSensor(input: { id: "s1", name: "S1", kind: "temperature", zoneId: "z" }) { id } }',
    );
  });
  afterAll(() => t?.close());

  it('refuses scheduleMaintenance(createdBy:) naming someone else with ACTOR_MISMATCH, and stores nothing', async () => {
    const res = await post(operator, SCHEDULE, { input: { sensorId: 's1', startsAt, endsAt, createdBy: 'mallory' } });
    expect(res.data).toBeNull();
    expect(res.errors[0].extensions).toMatchObject({ code: 'ACTOR_MISMATCH', field: 'createdBy' });
    expect(await t.app.db.prisma.maintenanceWindow.count()).toBe(0);
  });

  it('records the key name as the planner, whether createdBy is left out or names the caller', async () => {
    const bare = await post(operator, SCHEDULE, { input: { sensorId: 's1', startsAt, endsAt } });
    expect(bare.data.scheduleMaintenance.createdBy).toBe('night-shift');
    const same = await post(operator, SCHEDULE, {
      input: { sensorId: 's1', startsAt, endsAt, createdBy: 'night-shift' },
    });
    expect(same.data.scheduleMaintenance.createdBy).toBe('night-shift');
    // x-actor is a proxy's word, taken only with TRUST_ACTOR_HEADER=true.
    const header = await post(
      operator,
      SCHEDULE,
      { input: { sensorId: 's1', startsAt, endsAt } },
      { 'x-actor': 'eve' },
    );
    expect(header.data.scheduleMaintenance.createdBy).toBe('night-shift');
  });

  it('takes ticket event actors from the key, and leaves the assignee to the input', async () => {
    const ticket = await t.app.db.prisma.ticket.create({
      data: {
        sensorId: 's1',
        kind: 'STUCK',
        severity: 'LOW',
        status: 'OPEN',
        title: 't',
        openedAt: new Date(),
        updatedAt: new Date(),
      },
    });
    const id = ticket.id;
    await post(operator, `mutation { acknowledgeTicket(id: "${id}", note: "seen") { id } }`);
    await post(operator, `mutation { assignTicket(id: "${id}", assignee: "bob") { id } }`);
    const res = await post(
      operator,
      `mutation { commentTicket(id: "${id}", note: "on it") { assignee events { actor } } }`,
    );
    expect(res.data.commentTicket.assignee).toBe('bob');
    const actors = (res.data.commentTicket.events as { actor: string | null }[]).map((e) => e.actor);
    expect(actors.filter((a) => a !== null && a !== 'automation').every((a) => a === 'night-shift')).toBe(true);
    expect(actors).toContain('night-shift');
  });
});
