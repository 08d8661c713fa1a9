// One client process of the fan-out bench (bench/fanout.ts forks it): holds a share of
// the graphql-ws subscribers, so thousands of sockets are not served by the process that
// times the ingest. Speaks graphql-transport-ws over raw WebSocket frames on net sockets
// (bench/ws-frames.ts): the upgrade, connection_init and subscribe are written by hand,
// and of what the server sends only the frame header and the first bytes of the message
// are read (a `next` frame is timestamped and checked for errors, never parsed), so the
// client's CPU per frame stays small beside the server's, which is what is measured.
// Messages from the parent (IPC):
//   { type: 'open', plan }         → { type: 'opened', sockets, failed, ms, rssMb }
//   { type: 'count' }              → { type: 'count', live, total, lastArrival, errors }
//   { type: 'collect', since, timeoutMs }
//                                  → { type: 'collected', dashboard: ms[], readings: ms[], missing, cpuMs, frames }
//   (cpuMs, frames: this process's CPU and the frames it read since the last `count`, the
//   quiet check before the round)
//   { type: 'close' }              → exits
// Times are absolute (performance.timeOrigin + performance.now()), so they compare
// across processes of one machine.
import { connectWebSocket, type RawWebSocket } from './ws-frames.js';

export interface FanoutPlan {
  urls: string[];
  /** Global index of this process's first subscriber (picks instance, kind and zone). */
  offset: number;
  count: number;
  zoneIds: string[];
  apiKey?: string;
  /** Extra sockets subscribed to every reading that never read (paused after the ack). */
  slow: number;
}

type Kind = 'dashboard' | 'readings' | 'slow';

interface Sub {
  kind: Kind;
  arrivals: number[];
  /** The first arrival at or after the collected round's start. */
  first?: number;
  ws: RawWebSocket | null;
}

const DASHBOARD = 'subscription { dashboardUpdated { sensorCount readingsLastHour generatedAt } }';
const READINGS = 'subscription($z: ID) { readingAdded(zoneId: $z) { sensorId timestamp value } }';
const ALL_READINGS = 'subscription { readingAdded { sensorId timestamp value } }';

const subs: Sub[] = [];
let cpuMark = process.cpuUsage();
let framesRead = 0;
const errors: string[] = [];
const noteError = (e: string) => {
  if (errors.length < 20) errors.push(e);
};

/** Subscriber `g` of the whole run: instances round-robin, kinds alternate, zones in turn. */
function subscriberSpec(g: number, plan: Pick<FanoutPlan, 'urls' | 'zoneIds'>) {
  const url = plan.urls[g % plan.urls.length]!;
  const kind: Kind = Math.floor(g / plan.urls.length) % 2 === 0 ? 'dashboard' : 'readings';
  const zoneId = plan.zoneIds[Math.floor(g / (2 * plan.urls.length)) % plan.zoneIds.length]!;
  return { url, kind, zoneId };
}

// What a `next` frame starts with, and what one carrying errors has after its id.
const NEXT = Buffer.from('{"type":"next"');
const ERRORS = Buffer.from('"payload":{"errors"');

function open(url: string, kind: Kind, zoneId: string | null, apiKey?: string): Promise<Sub | null> {
  return new Promise((resolve) => {
    const sub: Sub = { kind, arrivals: [], first: undefined, ws: null };
    let settled = false;
    const done = (value: Sub | null) => {
      if (!settled) {
        settled = true;
        resolve(value);
      }
    };
    sub.ws = connectWebSocket(url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws', {
      open: (ws) =>
        ws.sendText(
          JSON.stringify({ type: 'connection_init', payload: apiKey ? { authorization: `Bearer ${apiKey}` } : {} }),
        ),
      // `at` is taken once per chunk read, before any work of ours on it.
      text: (ws, message, at) => {
        framesRead++;
        if (message.subarray(0, NEXT.length).equals(NEXT)) {
          if (message.indexOf(ERRORS) !== -1) noteError(message.toString().slice(0, 300));
          else arrived(sub, at);
          return;
        }
        const msg = JSON.parse(message.toString()) as { type: string; payload?: unknown };
        if (msg.type === 'connection_ack') {
          const query = kind === 'dashboard' ? DASHBOARD : kind === 'readings' ? READINGS : ALL_READINGS;
          ws.sendText(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: { z: zoneId } } }));
          if (kind === 'slow') setTimeout(() => ws.pause(), 50); // stops reading its socket for good
          done(sub);
        } else if (msg.type === 'ping') ws.sendText(JSON.stringify({ type: 'pong' }));
        else if (msg.type === 'error') noteError(JSON.stringify(msg.payload));
      },
      error: (err) => {
        noteError(err.message);
        done(null);
      },
      close: (code, reason) => {
        if (!settled) noteError(`closed ${code} ${reason}`);
        done(null);
      },
    });
  });
}

async function openAll(plan: FanoutPlan) {
  const started = performance.now();
  let failed = 0;
  const specs: { url: string; kind: Kind; zoneId: string | null }[] = [];
  for (let j = 0; j < plan.count; j++) specs.push(subscriberSpec(plan.offset + j, plan));
  for (let j = 0; j < plan.slow; j++) specs.push({ url: plan.urls[j % plan.urls.length]!, kind: 'slow', zoneId: null });
  // 200 handshakes at a time: the servers' accept queues are not flooded.
  for (let i = 0; i < specs.length; i += 200) {
    const opened = await Promise.all(specs.slice(i, i + 200).map((s) => open(s.url, s.kind, s.zoneId, plan.apiKey)));
    for (const s of opened)
      if (s) subs.push(s);
      else failed++;
  }
  return { sockets: subs.length, failed, ms: performance.now() - started };
}

// The round being collected: subscribers still waiting for their first event are counted
// down as events arrive (no polling over every subscriber while they do).
let waiting: { since: number; pending: number; wake: () => void } | null = null;

function arrived(sub: Sub, at: number): void {
  sub.arrivals.push(at);
  if (waiting && sub.kind !== 'slow' && sub.first === undefined && at >= waiting.since) {
    sub.first = at;
    if (--waiting.pending === 0) waiting.wake();
  }
}

async function collect(since: number, timeoutMs: number) {
  const normal = subs.filter((s) => s.kind !== 'slow');
  let pending = 0;
  for (const s of normal) {
    // Events that came before this message: arrivals are in time order, so look from the end.
    let i = s.arrivals.length;
    while (i > 0 && s.arrivals[i - 1]! >= since) i--;
    s.first = s.arrivals[i];
    if (s.first === undefined) pending++;
  }
  if (pending)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      waiting = {
        since,
        pending,
        wake: () => {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  waiting = null;
  const dashboard: number[] = [];
  const readings: number[] = [];
  let missing = 0;
  for (const s of normal) {
    if (s.first === undefined) missing++;
    else (s.kind === 'dashboard' ? dashboard : readings).push(s.first - since);
    s.first = undefined;
  }
  const cpu = process.cpuUsage(cpuMark);
  return { dashboard, readings, missing, cpuMs: (cpu.user + cpu.system) / 1000, frames: framesRead };
}

function rssMb(): number {
  return process.memoryUsage.rss() / 2 ** 20;
}

const send = (msg: object) => process.send?.(msg);

process.on('message', (msg: { type: string; plan?: FanoutPlan; since?: number; timeoutMs?: number }) => {
  void (async () => {
    if (msg.type === 'open') send({ type: 'opened', ...(await openAll(msg.plan!)), rssMb: rssMb() });
    else if (msg.type === 'count') {
      cpuMark = process.cpuUsage();
      framesRead = 0;
      const normal = subs.filter((s) => s.kind !== 'slow');
      const lastArrival = Math.max(0, ...normal.map((s) => s.arrivals.at(-1) ?? 0));
      send({
        type: 'count',
        live: normal.filter((s) => s.arrivals.length).length,
        total: normal.length,
        lastArrival,
        errors,
      });
    } else if (msg.type === 'collect') send({ type: 'collected', ...(await collect(msg.since!, msg.timeoutMs!)) });
    else if (msg.type === 'close') {
      for (const s of subs) s.ws?.destroy();
      process.exit(0);
    }
  })();
});
process.on('disconnect', () => process.exit(0));
