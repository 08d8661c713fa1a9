// Webhook targets (server-side request forgery): private, loopback, link-local,
// metadata and reserved addresses are refused by default, in the URL (every spelling
// of loopback) and after a name resolves; WEBHOOK_ALLOW_PRIVATE lets on-premises
// receivers through; a failed delivery does not say whether a port is open; a
// receiver's answer is read to a small cap, compressed or not. Through the real app
// and real local sockets; the sender does not depend on the database kind (PGlite).
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_ANSWER } from '../src/modules/notifications/webhook-sender.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const CREATE = `mutation($i: NotificationReceiverInput!) { createNotificationReceiver(input: $i) { id } }`;
const SEND = `mutation($id: ID!) { sendTestNotification(receiverId: $id) { status lastStatusCode lastError } }`;

async function listen<T extends Server | TcpServer>(server: T): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Creates a receiver and sends it a test notification: the delivery after its first attempt. */
async function deliver(t: TestApp, url: string) {
  const created = await t.gql(CREATE, { i: { name: `r-${Math.random()}`, url, secret: 's' } });
  expect(created.errors).toBeUndefined();
  const sent = await t.gql(SEND, { id: created.data!.createNotificationReceiver.id });
  expect(sent.errors).toBeUndefined();
  return sent.data!.sendTestNotification as { status: string; lastStatusCode: number | null; lastError: string };
}

describe('webhook targets', () => {
  let closed: TestApp;
  let allowed: TestApp;
  const servers: (Server | TcpServer)[] = [];
  const sockets = new Set<Socket>();
  let hits = 0;
  let hookPort = 0;

  beforeAll(async () => {
    closed = await startTestApp('pglite');
    // NOTIFY_TIMEOUT_MS 3000: long enough for an uncapped read of the 300 MB answer to show.
    allowed = await startTestApp('pglite', {
      env: { WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32', NOTIFY_TIMEOUT_MS: '3000' },
    });
    const hook = createServer((req, res) => {
      hits++;
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    servers.push(hook);
    hookPort = await listen(hook);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
    await closed?.close();
    await allowed?.close();
  });

  it('refuses private, loopback, link-local, metadata, unique-local and CGNAT addresses in any spelling', async () => {
    const urls = [
      'http://127.0.0.1:5432/',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/hook',
      'http://172.16.5.5/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://0.0.0.0:4000/',
      'http://[::1]:4000/',
      'http://[::ffff:127.0.0.1]/',
      'http://[fd12:3456::1]/',
      'http://[fe80::1]/',
      'http://2130706433/', // decimal 127.0.0.1
      'http://0x7f000001/', // hex
      'http://0x7f.1/',
      'http://0177.0.0.1/', // octal
      'http://127.1/',
    ];
    for (const url of urls) {
      const res = await closed.gql(CREATE, { i: { name: url, url, secret: 's' } });
      expect({ url, code: res.errors?.[0]?.extensions?.code }).toEqual({ url, code: 'BAD_USER_INPUT' });
      expect(res.errors![0]!.message).toMatch(/WEBHOOK_ALLOW_PRIVATE/);
    }
  });

  it('refuses a name that resolves to a loopback address when it delivers: nothing reaches the receiver', async () => {
    const delivery = await deliver(closed, `http://localhost:${hookPort}/hook`);
    expect(delivery).toMatchObject({ status: 'PENDING', lastStatusCode: null });
    expect(delivery.lastError).toMatch(/^Target refused: localhost resolves to (127\.0\.0\.1|::1) is a private/);
    expect(hits).toBe(0);
  });

  it('delivers to an allowed on-premises receiver, by address and by name', async () => {
    expect(await deliver(allowed, `http://127.0.0.1:${hookPort}/hook`)).toMatchObject({
      status: 'DELIVERED',
      lastStatusCode: 204,
    });
    // localhost may resolve to ::1 first: only the allowed 127.0.0.1 is used.
    expect(await deliver(allowed, `http://localhost:${hookPort}/hook`)).toMatchObject({ status: 'DELIVERED' });
    expect(hits).toBe(2);
    // Other private addresses stay refused.
    const other = await allowed.gql(CREATE, { i: { name: 'other', url: 'http://10.0.0.1/', secret: 's' } });
    expect(other.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('gives one message for a closed port, a port that is not HTTP and one that never answers', async () => {
    const spare = createTcpServer();
    const closedPort = await listen(spare);
    await new Promise((r) => spare.close(r));
    const notHttp = createTcpServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n'));
    const silent = createTcpServer((socket) => sockets.add(socket));
    servers.push(notHttp, silent);
    const errors = [];
    for (const port of [closedPort, await listen(notHttp), await listen(silent)])
      errors.push((await deliver(allowed, `http://127.0.0.1:${port}/hook`)).lastError);
    expect(errors).toEqual([NO_ANSWER, NO_ANSWER, NO_ANSWER]);
  });

  it('reads a 300 MB answer and a gzip bomb only to a small cap', async () => {
    let written = 0;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const huge = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(300 * 1024 * 1024) });
      const pump = () => {
        while (written < 300 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024)); // about 200 KB on the wire
    const gzip = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' }).end(bomb);
    });
    servers.push(huge, gzip);
    const hugePort = await listen(huge);
    const gzipPort = await listen(gzip);
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();
    expect(await deliver(allowed, `http://127.0.0.1:${hugePort}/hook`)).toMatchObject({ status: 'DELIVERED' });
    expect(await deliver(allowed, `http://127.0.0.1:${gzipPort}/hook`)).toMatchObject({ status: 'DELIVERED' });
    const grownMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    console.log(
      `webhook answers: ${(written / 1024 / 1024).toFixed(1)} MB of 300 MB written before the sender closed; ` +
        `RSS +${grownMb.toFixed(0)} MB; ${Date.now() - started} ms`,
    );
    expect(written).toBeLessThan(16 * 1024 * 1024);
    expect(grownMb).toBeLessThan(64);
  });
});
