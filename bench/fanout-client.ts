// One client process of the fan-out bench (bench/fanout.ts forks it): holds a share of
// the graphql-ws subscribers, so thousands of sockets are not served by the process that
// times the ingest. Speaks graphql-transport-ws over `ws` directly (connection_init,
// subscribe, next), which costs far less per socket than a full client library.
// Messages from the parent (IPC):
//   { type: 'open', plan }         → { type: 'opened', sockets, failed, ms, rssMb }
//   { type: 'count' }              → { type: 'count', live, total, lastArrival, errors }
//   { type: 'collect', since, timeoutMs }
//                                  → { type: 'collected', dashboard: ms[], readings: ms[], missing, cpuMs }
//   (cpuMs: this process's CPU since the last `count`, the quiet check before the round)
//   { type: 'close' }              → exits
// Times are absolute (performance.timeOrigin + performance.now()), so they compare
// across processes of one machine.
import WebSocket from 'ws';

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
  ws: WebSocket;
}

const DASHBOARD = 'subscription { dashboardUpdated { sensorCount readingsLastHour generatedAt } }';
const READINGS = 'subscription($z: ID) { readingAdded(zoneId: $z) { sensorId timestamp value } }';
const ALL_READINGS = 'subscription { readingAdded { sensorId timestamp value } }';

const now = () => performance.timeOrigin + performance.now();
const subs: Sub[] = [];
let cpuMark = process.cpuUsage();
const errors: string[] = [];

/** Subscriber `g` of the whole run: instances round-robin, kinds alternate, zones in turn. */
function subscriberSpec(g: number, plan: Pick<FanoutPlan, 'urls' | 'zoneIds'>) {
  const url = plan.urls[g % plan.urls.length]!;
  const kind: Kind = Math.floor(g / plan.urls.length) % 2 === 0 ? 'dashboard' : 'readings';
  const zoneId = plan.zoneIds[Math.floor(g / (2 * plan.urls.length)) % plan.zoneIds.length]!;
  return { url, kind, zoneId };
}

function open(url: string, kind: Kind, zoneId: string | null, apiKey?: string): Promise<Sub | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws', {
      perMessageDeflate: false,
    });
    const sub: Sub = { kind, arrivals: [], first: undefined, ws };
    let settled = false;
    const done = (value: Sub | null) => {
      if (!settled) {
        settled = true;
        resolve(value);
      }
    };
    ws.on('open', () =>
      ws.send(
        JSON.stringify({
          type: 'connection_init',
          payload: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
        }),
      ),
    );
    ws.on('message', (raw) => {
      const at = now(); // before any work of ours: what this process adds is not hidden
      const msg = JSON.parse((raw as Buffer).toString()) as { type: string; payload?: unknown };
      if (msg.type === 'next') {
        const payload = msg.payload as { errors?: { message: string }[] };
        if (payload.errors) {
          if (errors.length < 20) errors.push(JSON.stringify(payload.errors));
        } else arrived(sub, at);
      } else if (msg.type === 'connection_ack') {
        const query = kind === 'dashboard' ? DASHBOARD : kind === 'readings' ? READINGS : ALL_READINGS;
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: { z: zoneId } } }));
        if (kind === 'slow') setTimeout(() => ws.pause(), 50); // stops reading its socket for good
        done(sub);
      } else if (msg.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
      else if (msg.type === 'error' && errors.length < 20) errors.push(JSON.stringify(msg.payload));
    });
    ws.on('error', (err) => {
      if (errors.length < 20) errors.push(err.message);
      done(null);
    });
    ws.on('close', (code, reason) => {
      if (!settled && errors.length < 20) errors.push(`closed ${code} ${reason.toString()}`);
      done(null);
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
  return { dashboard, readings, missing, cpuMs: (cpu.user + cpu.system) / 1000 };
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
      for (const s of subs) s.ws.terminate();
      process.exit(0);
    }
  })();
});
process.on('disconnect', () => process.exit(0));
