// The heartbeat on real sockets: every socket is pinged once a period, a slice at a time
// (never all in one burst), and a peer that stops answering is cut.
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createConnectionHeartbeat, HEARTBEAT_SLICES } from './connection-heartbeat.js';

const PERIOD_MS = 400;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function peers(count: number, options: { autoPong?: boolean } = {}) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  const heartbeat = createConnectionHeartbeat(PERIOD_MS);
  server.on('connection', (socket) => heartbeat.track(socket));
  const { port } = server.address() as { port: number };
  const clients = await Promise.all(
    Array.from({ length: count }, async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}`, { autoPong: options.autoPong ?? true });
      const pings: number[] = [];
      ws.on('ping', () => pings.push(performance.now()));
      await once(ws, 'open');
      return { ws, pings };
    }),
  );
  cleanups.push(async () => {
    heartbeat.stop();
    for (const c of clients) c.ws.terminate();
    await new Promise((resolve) => server.close(resolve));
  });
  return { clients, heartbeat };
}

describe('connection heartbeat', () => {
  it('pings every socket once a period, spread over the period in slices', async () => {
    const { clients } = await peers(40);
    await new Promise((r) => setTimeout(r, PERIOD_MS * 3.5));
    const first = clients.map((c) => c.pings[0]);
    expect(first.every((t) => t !== undefined)).toBe(true);
    for (const c of clients) expect(c.pings.length).toBeGreaterThanOrEqual(2);
    // Pings of one tick arrive together; ticks are a tenth of a period apart.
    const times = (first as number[]).sort((a, b) => a - b);
    const ticks: number[][] = [];
    for (const t of times) {
      const last = ticks.at(-1);
      if (last && t - last[0]! < PERIOD_MS / HEARTBEAT_SLICES / 2) last.push(t);
      else ticks.push([t]);
    }
    expect(ticks.length).toBeGreaterThanOrEqual(HEARTBEAT_SLICES / 2);
    expect(Math.max(...ticks.map((t) => t.length))).toBeLessThanOrEqual(Math.ceil(40 / HEARTBEAT_SLICES) * 2);
  });

  it('terminates a peer that leaves two pings unanswered, and keeps the others', async () => {
    const { clients, heartbeat } = await peers(3);
    const { clients: silent } = await peers(1, { autoPong: false });
    const [closed] = (await once(silent[0]!.ws, 'close')) as [number];
    expect(closed).toBe(1006);
    expect(heartbeat.size).toBe(3);
    expect(clients.every((c) => c.ws.readyState === WebSocket.OPEN)).toBe(true);
  });
});
