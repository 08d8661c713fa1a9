// Live-update budget: N concurrent graphql-ws subscribers to dashboardUpdated
// each receive the push caused by a write within 250 ms (p99).
//
//   import { runSubscribersBench } from './subscribers-bench.js';
//   const figures = await runSubscribersBench({ baseUrl, subscribers: 1000, ingest });
//
// - baseUrl: a running server (http://host:port); its WebSocket is baseUrl/graphql.
// - subscribers: how many WebSocket connections to open (one subscription each).
// - ingest: performs one write the dashboard shows (e.g. a small ingestReadings
//   batch) and resolves when the server answered, i.e. after the commit.
// Each round waits until the dashboard has been quiet for longer than the
// server's coalescing interval (so the write causes a leading-edge push, as a
// first change after a pause does in production), then calls ingest() and
// records, for every subscriber, when its first push of the round arrived.
// Latency figures: from the ingest call (covers the commit: upper bound) and from
// the ingest response (commit certainly done: lower bound). Returns p50/p99/max
// in ms, pushes received and expected, and connection set-up time.
// Run alone: `tsx bench/subscribers-bench.ts <baseUrl> [subscribers]` (needs a
// registered sensor "bench-sub-sensor" … or pass your own ingest in code).
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface SubscribersBenchOptions {
  baseUrl: string;
  subscribers: number;
  ingest: () => Promise<void>;
  /** Measured writes (default 5). */
  rounds?: number;
  /** Quiet time before each round, > the server's DASHBOARD_COALESCE_MS (default 1,500 ms). */
  quietMs?: number;
  /** Give up on a round's stragglers after this long (default 5,000 ms). */
  roundTimeoutMs?: number;
}

interface Subscriber {
  client: Client;
  /** Arrival times (performance.now()) of every push. */
  arrivals: number[];
}

export async function runSubscribersBench(opts: SubscribersBenchOptions): Promise<Record<string, number>> {
  const rounds = opts.rounds ?? 5;
  const quietMs = opts.quietMs ?? 1500;
  const roundTimeoutMs = opts.roundTimeoutMs ?? 5000;
  const url = opts.baseUrl.replace(/^http/, 'ws').replace(/\/$/, '') + '/graphql';
  const subs: Subscriber[] = [];
  let lastArrival = performance.now();
  const connectStarted = performance.now();
  try {
    // Open in slices so the server's accept queue is not flooded.
    for (let i = 0; i < opts.subscribers; i += 100) {
      const slice = Array.from({ length: Math.min(100, opts.subscribers - i) }, () =>
        openSubscriber(url, () => (lastArrival = performance.now())),
      );
      subs.push(...(await Promise.all(slice)));
    }
    const connectMs = performance.now() - connectStarted;

    // Warm-up: subscriptions are live once a push reaches everyone.
    const warmDeadline = performance.now() + 30_000;
    while (subs.some((s) => s.arrivals.length === 0)) {
      if (performance.now() > warmDeadline)
        throw new Error(
          `only ${subs.filter((s) => s.arrivals.length).length} of ${subs.length} subscribers got the warm-up push`,
        );
      await opts.ingest();
      await sleep(500);
    }

    const fromCall: number[] = [];
    const fromAck: number[] = [];
    let received = 0;
    for (let r = 0; r < rounds; r++) {
      while (performance.now() - lastArrival < quietMs) await sleep(50);
      const marks = subs.map((s) => s.arrivals.length);
      const called = performance.now();
      await opts.ingest();
      const acked = performance.now();
      const deadline = acked + roundTimeoutMs;
      while (subs.some((s, i) => s.arrivals.length === marks[i]) && performance.now() < deadline) await sleep(5);
      subs.forEach((s, i) => {
        const at = s.arrivals[marks[i]!];
        if (at === undefined) return;
        received++;
        fromCall.push(at - called);
        fromAck.push(Math.max(0, at - acked));
      });
    }
    fromCall.sort((a, b) => a - b);
    fromAck.sort((a, b) => a - b);
    const ms = (v: number | undefined) => Math.round((v ?? NaN) * 10) / 10;
    return {
      subscribers: subs.length,
      rounds,
      received,
      expected: subs.length * rounds,
      connectSeconds: ms(connectMs / 1000),
      latencyP50Ms: ms(pct(fromCall, 0.5)),
      latencyP99Ms: ms(pct(fromCall, 0.99)),
      latencyMaxMs: ms(fromCall.at(-1)),
      latencyAfterAckP50Ms: ms(pct(fromAck, 0.5)),
      latencyAfterAckP99Ms: ms(pct(fromAck, 0.99)),
    };
  } finally {
    for (const s of subs) void s.client.dispose();
  }
}

function openSubscriber(url: string, onPush: () => void): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const client = createClient({ url, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, keepAlive: 0 });
    const sub: Subscriber = { client, arrivals: [] };
    const off = client.on('connected', () => {
      off();
      resolve(sub);
    });
    client.on('error', (err) => reject(err instanceof Error ? err : new Error(`WebSocket error connecting to ${url}`)));
    client.subscribe(
      { query: 'subscription { dashboardUpdated { sensorCount readingsLastHour generatedAt } }' },
      {
        next: () => {
          sub.arrivals.push(performance.now());
          onPush();
        },
        error: (err) => console.error('dashboardUpdated subscription failed', err),
        complete: () => undefined,
      },
    );
  });
}

function pct(sorted: number[], p: number): number | undefined {
  if (!sorted.length) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (import.meta.url === `file://${process.argv[1]}`) {
  const [baseUrl, n] = process.argv.slice(2);
  if (!baseUrl) {
    console.error('usage: tsx bench/subscribers-bench.ts <baseUrl> [subscribers]');
    process.exit(2);
  }
  const gql = async (query: string, variables?: unknown) => {
    const res = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const json = (await res.json()) as { errors?: unknown };
    if (json.errors) throw new Error(JSON.stringify(json.errors));
  };
  await gql(
    'mutation { upsertSensor(input: { id: "bench-sub-sensor", name: "Subscriber bench", kind: "temperature" }) { id } }',
  );
  let ts = Date.now() - 60_000;
  const ingest = () =>
    gql('mutation($r: [ReadingInput!]!) { ingestReadings(readings: $r) { accepted } }', {
      r: [{ sensorId: 'bench-sub-sensor', timestamp: new Date(ts++).toISOString(), value: 20 }],
    });
  console.table(await runSubscribersBench({ baseUrl, subscribers: Number(n ?? 1000), ingest }));
}
