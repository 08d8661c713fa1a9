// Receiver kinds against real local servers: a Slack-compatible incoming webhook (HTTP) and
// email over SMTP to an smtp-server started here. TEST notifications and a ticket opening
// reach both in their own format; bad input is refused with a field.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TARGETS } from './support/databases.js';
import { startTestApp, type TestApp } from './support/test-app.js';

interface Mail {
  to: string[];
  raw: string;
}

async function startSmtp() {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString()));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function startSlack() {
  const received: { text: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as { text: string });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/XXX`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const CREATE = `mutation($i: NotificationReceiverInput!) { createNotificationReceiver(input: $i) { id kind url } }`;
const TEST = `mutation($id: ID!) { sendTestNotification(receiverId: $id) { status attempts lastError payload } }`;
const T0 = Date.parse('2026-11-28T10:00:00.000Z');

describe.each(TARGETS)('receiver kinds on %s', (target) => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let slack: Awaited<ReturnType<typeof startSlack>>;
  let clock = T0;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    smtp = await startSmtp();
    slack = await startSlack();
    t = await startTestApp(target, {
      now: () => new Date(clock),
      backgroundJobs: true,
      env: {
        NOTIFY_POLL_MS: '100',
        WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32',
        SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
        SMTP_FROM: 'trust@example.com',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
    await slack?.close();
  });

  it.each([
    ['an EMAIL receiver without mailto:', { kind: 'EMAIL', url: 'https://x.example.com' }, 'url'],
    ['a bad address', { kind: 'EMAIL', url: 'mailto:not an address' }, 'url'],
    ['a WEBHOOK without a secret', { kind: 'WEBHOOK', url: 'https://x.example.com/h' }, 'secret'],
    ['a SLACK receiver with a non-http URL', { kind: 'SLACK', url: 'ftp://x.example.com' }, 'url'],
  ])('refuses %s', async (_what, input, field) => {
    const res = await t.gql(CREATE, { i: { name: 'bad', ...input } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('creates a SLACK and an EMAIL receiver and delivers a TEST to each in its own format', async () => {
    const s = await t.gql(CREATE, { i: { name: 'chat', kind: 'SLACK', url: slack.url } });
    expect(s.errors).toBeUndefined();
    expect(s.data!.createNotificationReceiver.kind).toBe('SLACK');
    ids.slack = s.data!.createNotificationReceiver.id;
    const e = await t.gql(CREATE, {
      i: { name: 'mail', kind: 'EMAIL', url: 'mailto:ops@example.com,lead@example.com' },
    });
    expect(e.errors).toBeUndefined();
    ids.email = e.data!.createNotificationReceiver.id;

    const toSlack = await t.gql(TEST, { id: ids.slack });
    expect(toSlack.data!.sendTestNotification).toMatchObject({ status: 'DELIVERED', attempts: 1, lastError: null });
    expect(slack.received).toHaveLength(1);
    expect(Object.keys(slack.received[0]!)).toEqual(['text']);
    expect(slack.received[0]!.text).toMatch(/^Sensor Trust TEST: A test notification/);

    const toMail = await t.gql(TEST, { id: ids.email });
    expect(toMail.data!.sendTestNotification).toMatchObject({ status: 'DELIVERED', attempts: 1, lastError: null });
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.to).toEqual(['ops@example.com', 'lead@example.com']);
    expect(smtp.mails[0]!.raw).toMatch(/^Subject: \[Sensor Trust\] Sensor Trust TEST/m);
    expect(smtp.mails[0]!.raw).toMatch(/^From: trust@example.com/m);
  });

  it('tells both about a ticket opening', async () => {
    await t.gql(
      `mutation { upsertSensor(input: { id: "m1", name: "m1", kind: "temperature", minValue: 0, maxValue: 50, expectedIntervalSeconds: 60 }) { id } }`,
    );
    const r = Array.from({ length: 30 }, (_, i) => ({
      sensorId: 'm1',
      timestamp: new Date(T0 + i * 60_000).toISOString(),
      value: i < 20 ? 20 + Math.sin(i) : 500 + i,
    }));
    clock = T0 + 30 * 60_000;
    const res = await t.gql(`mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }`, { r });
    expect(res.data!.ingestReadings.accepted).toBe(30);
    await vi.waitFor(
      () => {
        expect(slack.received.map((m) => m.text)).toContainEqual(expect.stringMatching(/OUT_OF_RANGE on m1/));
        expect(smtp.mails.slice(1).some((m) => m.raw.includes('OUT_OF_RANGE'))).toBe(true);
      },
      { timeout: 15_000, interval: 100 },
    );
  });

  it('an EMAIL delivery fails visibly when the SMTP server is down, and is retried', async () => {
    await smtp.close();
    const res = await t.gql(TEST, { id: ids.email });
    expect(res.data!.sendTestNotification.status).toBe('PENDING');
    expect(res.data!.sendTestNotification.lastError).toMatch(/^SMTP: /);
  });
});
