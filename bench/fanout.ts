// Subscribers at scale: N graphql-ws subscribers spread round-robin over several running
// instances (on one PostgreSQL and one Redis), half on `dashboardUpdated`, half on
// `readingAdded(zoneId)` over the given zones, held by forked client processes
// (bench/fanout-client.ts, raw WebSocket frames) so the sockets do not share an event loop
// with the timing.
//
//   const figures = await runFanout({ urls, subscribers: 10_000, zoneIds, ingest, serverPids });
//
// - ingest(round): one write that every subscriber sees (a batch with a reading of every
//   zone), resolving when the server answered (after the commit). Rounds alternate the
//   instance the caller writes through, so most deliveries cross Redis.
// - Each round waits until no subscriber heard anything for `quietMs` (> DASHBOARD_COALESCE_MS, so the write causes a leading-
//   edge dashboard push), calls ingest(), and every process reports, per subscriber, the
//   first event after the call. Latency is from the ingest response (what an integrator
//   sees: "my write was acknowledged, when did the dashboards hear of it").
// - slow: extra sockets on unfiltered `readingAdded` that never read (paused), present
//   during the measured rounds after `flood()` filled their buffers: the others' figures
//   are what a slow subscriber costs them.
// - Sharing: each instance's /metrics counts the selections its socket fan-out executed and
//   the frames it wrote from them (sensor_trust_subscription_shared_total); per measured
//   round, executions follow the distinct subscriptions (document, variables, role), not
//   the subscribers.
// - Memory: the servers' RSS (/proc) before the subscribers connect and once every one is
//   live, divided by the subscribers each holds; the client processes' RSS per socket.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FanoutPlan } from './fanout-client.js';
import { readCpuSeconds, readRssMb } from './server-process.js';
import { percentile, round } from './stats.js';

const CLIENT = fileURLToPath(new URL('./fanout-client.ts', import.meta.url));
/** BENCH_FANOUT_CLIENT_NODE_ARGS: extra node flags of the client processes (e.g. --cpu-prof). */
const CLIENT_NODE_ARGS = (process.env.BENCH_FANOUT_CLIENT_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

export interface FanoutOptions {
  urls: string[];
  subscribers: number;
  zoneIds: string[];
  ingest: (round: number) => Promise<void>;
  apiKey?: string;
  /** Server process ids, one per url (for memory per subscriber). */
  serverPids?: number[];
  /** Client processes (default: one per 2,500 subscribers, at least 1). */
  processes?: number;
  rounds?: number;
  quietMs?: number;
  roundTimeoutMs?: number;
  slow?: number;
  flood?: () => Promise<void>;
  log?: (msg: string) => void;
}

/** The socket fan-out's counters of one instance, from its /metrics. */
export async function sharedCounts(url: string, apiKey?: string): Promise<SharedCounts> {
  const res = await fetch(`${url}/metrics`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
  const text = await res.text();
  const metric = (name: string) => Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1] ?? NaN);
  const read = (kind: string) => metric(`sensor_trust_subscription_shared_total\\{kind="${kind}"\\}`);
  return {
    executions: read('executions'),
    frames: read('frames'),
    fanouts: metric('sensor_trust_subscription_fanouts_total'),
    fanoutSeconds: metric('sensor_trust_subscription_fanout_seconds_total'),
  };
}

interface SharedCounts {
  executions: number;
  frames: number;
  fanouts: number;
  fanoutSeconds: number;
}

const addCounts = (a: SharedCounts, b: SharedCounts): SharedCounts => ({
  executions: a.executions + b.executions,
  frames: a.frames + b.frames,
  fanouts: a.fanouts + b.fanouts,
  fanoutSeconds: a.fanoutSeconds + b.fanoutSeconds,
});

export interface FanoutFigures extends Record<string, number> {
  subscribers: number;
  instances: number;
  clientProcesses: number;
  rounds: number;
  received: number;
  expected: number;
  missing: number;
  connectSeconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  dashboardP99Ms: number;
  readingAddedP99Ms: number;
  slowSubscribers: number;
  serverKbPerSubscriber: number;
  serverCpuMsPerRound: number;
  serverCpuUsPerDelivery: number;
  serverFanoutMsPerRound: number;
  framesPerRound: number;
  serverCpuUsPerFrame: number;
  clientCpuMsPerRound: number;
  clientCpuUsPerFrame: number;
  clientKbPerSocket: number;
  sharedExecutionsPerRound: number;
  sharedFramesPerRound: number;
}

interface Worker {
  child: ChildProcess;
  ask<T>(msg: object, reply: string): Promise<T>;
}

function startWorker(): Worker {
  const child = fork(CLIENT, [], {
    execArgv: [...CLIENT_NODE_ARGS, '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<string, (v: unknown) => void>();
  child.on('message', (msg: { type: string }) => {
    const resolve = waiting.get(msg.type);
    waiting.delete(msg.type);
    resolve?.(msg);
  });
  return {
    child,
    ask<T>(msg: object, reply: string) {
      return new Promise<T>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`fan-out client exited with ${code}`));
        child.once('exit', onExit);
        waiting.set(reply, (v) => {
          child.off('exit', onExit);
          resolve(v as T);
        });
        child.send(msg);
      });
    },
  };
}

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (v: number) => round(v, 1);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

export async function runFanout(opts: FanoutOptions): Promise<FanoutFigures> {
  const log = opts.log ?? (() => undefined);
  const rounds = opts.rounds ?? 5;
  const quietMs = opts.quietMs ?? 1500;
  const roundTimeoutMs = opts.roundTimeoutMs ?? 10_000;
  const slow = opts.slow ?? 0;
  const processes = opts.processes ?? Math.max(1, Math.ceil(opts.subscribers / 2500));
  const rss = () => (opts.serverPids ?? []).map((pid) => readRssMb(pid) ?? NaN);
  const rssBefore = rss();
  const workers = Array.from({ length: processes }, startWorker);
  try {
    const share = Math.ceil(opts.subscribers / processes);
    const started = performance.now();
    const opened = await Promise.all(
      workers.map((w, i) => {
        const offset = i * share;
        const plan: FanoutPlan = {
          urls: opts.urls,
          offset,
          count: Math.max(0, Math.min(share, opts.subscribers - offset)),
          zoneIds: opts.zoneIds,
          apiKey: opts.apiKey,
          slow: i === 0 ? slow : 0,
        };
        return w.ask<{ sockets: number; failed: number; rssMb: number }>({ type: 'open', plan }, 'opened');
      }),
    );
    const connectSeconds = (performance.now() - started) / 1000;
    const failed = opened.reduce((n, o) => n + o.failed, 0);
    if (failed) throw new Error(`${failed} of ${opts.subscribers + slow} subscribers could not connect`);
    log(`${opts.subscribers} subscribers (+${slow} slow) connected in ${connectSeconds.toFixed(1)} s`);

    // Warm-up: every subscription is live once it has received something.
    const warmDeadline = performance.now() + 120_000;
    for (let w = 0; ; w++) {
      const counts = await Promise.all(
        workers.map((wk) => wk.ask<{ live: number; total: number; errors: string[] }>({ type: 'count' }, 'count')),
      );
      const live = counts.reduce((n, c) => n + c.live, 0);
      if (live === opts.subscribers) break;
      if (performance.now() > warmDeadline)
        throw new Error(
          `only ${live} of ${opts.subscribers} subscribers got a warm-up event; errors: ${counts
            .flatMap((c) => c.errors)
            .slice(0, 3)
            .join('; ')}`,
        );
      await opts.ingest(w);
      await sleep(quietMs);
    }
    await sleep(500);
    const rssLive = rss();
    const clientRss = (
      await Promise.all(workers.map((w) => w.ask<{ rssMb: number }>({ type: 'open', plan: emptyPlan }, 'opened')))
    ).reduce((n, o) => n + o.rssMb, 0);
    const perInstance = opts.subscribers / Math.max(1, opts.urls.length);
    const deltas = rssLive.map((r, i) => r - rssBefore[i]!).filter((d) => Number.isFinite(d));
    const serverKbPerSubscriber = deltas.length
      ? (deltas.reduce((a, b) => a + b, 0) / deltas.length / perInstance) * 1024
      : NaN;

    if (slow && opts.flood) {
      log(`flooding the ${slow} slow subscribers`);
      await opts.flood();
    }

    const fromAck: number[] = [];
    const dashboard: number[] = [];
    const readings: number[] = [];
    let missing = 0;
    // Quiet means no subscriber heard anything for quietMs: the trailing dashboard push of
    // the previous round (and its trust updates) are out, so this write starts afresh.
    const quiet = async () => {
      for (;;) {
        const counts = await Promise.all(
          workers.map((w) => w.ask<{ lastArrival: number }>({ type: 'count' }, 'count')),
        );
        const last = Math.max(...counts.map((c) => c.lastArrival));
        if (now() - last >= quietMs) return;
        await sleep(Math.max(50, quietMs - (now() - last)));
      }
    };
    const cpu = () => (opts.serverPids ?? []).reduce((n, pid) => n + (readCpuSeconds(pid) ?? NaN), 0);
    let cpuSeconds = 0;
    let clientCpuMs = 0;
    let framesRead = 0;
    const shared = async () =>
      (await Promise.all(opts.urls.map((u) => sharedCounts(u, opts.apiKey)))).reduce(addCounts);
    const shared0 = await shared();
    let fanoutMs = 0;
    for (let r = 0; r < rounds; r++) {
      await quiet();
      const fan0 = await shared();
      const cpu0 = cpu();
      const since = now();
      await opts.ingest(r);
      const ackAfter = now() - since;
      const collected = await Promise.all(
        workers.map((w) =>
          w.ask<{ dashboard: number[]; readings: number[]; missing: number; cpuMs: number; frames: number }>(
            { type: 'collect', since, timeoutMs: roundTimeoutMs },
            'collected',
          ),
        ),
      );
      const serverMs = (cpu() - cpu0) * 1000;
      cpuSeconds += serverMs / 1000;
      const fan1 = await shared();
      const roundFanoutMs = (fan1.fanoutSeconds - fan0.fanoutSeconds) * 1000;
      fanoutMs += roundFanoutMs;
      const roundAll: number[] = [];
      const clientMs = collected.reduce((n, c) => n + c.cpuMs, 0);
      const roundFrames = collected.reduce((n, c) => n + c.frames, 0);
      clientCpuMs += clientMs;
      framesRead += roundFrames;
      for (const c of collected) {
        missing += c.missing;
        for (const x of c.dashboard) dashboard.push(Math.max(0, x - ackAfter));
        for (const x of c.readings) readings.push(Math.max(0, x - ackAfter));
        for (const x of [...c.dashboard, ...c.readings]) roundAll.push(Math.max(0, x - ackAfter));
      }
      const rs = sorted(roundAll);
      log(
        `round ${r + 1}/${rounds}: ingest answered in ${ackAfter.toFixed(0)} ms; after it p50 ${ms(percentile(rs, 0.5))} ms, p99 ${ms(percentile(rs, 0.99))} ms; CPU servers ${serverMs.toFixed(0)} ms (fan-outs ${roundFanoutMs.toFixed(0)} ms in ${fan1.fanouts - fan0.fanouts}), clients ${clientMs.toFixed(0)} ms; ${roundFrames} frames read by the time every subscriber had its event`,
      );
    }
    const shared1 = await shared();
    fromAck.push(...dashboard, ...readings);
    const all = sorted(fromAck);
    return {
      subscribers: opts.subscribers,
      instances: opts.urls.length,
      clientProcesses: processes,
      rounds,
      received: all.length,
      expected: opts.subscribers * rounds,
      missing,
      connectSeconds: round(connectSeconds, 1),
      p50Ms: ms(percentile(all, 0.5)),
      p99Ms: ms(percentile(all, 0.99)),
      maxMs: ms(all.at(-1) ?? NaN),
      dashboardP99Ms: ms(percentile(sorted(dashboard), 0.99)),
      readingAddedP99Ms: ms(percentile(sorted(readings), 0.99)),
      slowSubscribers: slow,
      serverKbPerSubscriber: round(serverKbPerSubscriber, 1),
      // CPU the servers used from each write to its last delivery (the ingest, the trust
      // work it causes and the dashboard computation included), per event delivered.
      serverCpuMsPerRound: round((cpuSeconds * 1000) / rounds, 1),
      serverCpuUsPerDelivery: round((cpuSeconds * 1e6) / Math.max(1, all.length), 1),
      // The servers' fan-outs (first frame of an event to every socket written), summed over
      // the instances: the part of a round the sockets themselves cost the servers.
      serverFanoutMsPerRound: round(fanoutMs / rounds, 1),
      // Per frame the clients read by the time the last subscriber had its event (the
      // round's trailing dashboard push may come later and is left out of both).
      framesPerRound: round(framesRead / rounds, 1),
      serverCpuUsPerFrame: round((cpuSeconds * 1e6) / Math.max(1, framesRead), 1),
      // The client processes' own CPU over the round (they share the cores with the servers).
      clientCpuMsPerRound: round(clientCpuMs / rounds, 1),
      clientCpuUsPerFrame: round((clientCpuMs * 1000) / Math.max(1, framesRead), 1),
      clientKbPerSocket: round((clientRss / (opts.subscribers + slow)) * 1024, 1),
      sharedExecutionsPerRound: round((shared1.executions - shared0.executions) / rounds, 1),
      sharedFramesPerRound: round((shared1.frames - shared0.frames) / rounds, 1),
    };
  } finally {
    for (const w of workers) if (w.child.connected) w.child.send({ type: 'close' });
    await Promise.all(
      workers.map((w) =>
        w.child.exitCode === null && w.child.signalCode === null
          ? new Promise((r) => w.child.once('exit', r))
          : Promise.resolve(),
      ),
    );
  }
}

/** An `open` with nothing to open: answers with the process's RSS. */
const emptyPlan: FanoutPlan = { urls: ['http://127.0.0.1'], offset: 0, count: 0, zoneIds: ['-'], slow: 0 };

/**
 * What the fan-out runs change in each instance's environment: one API key holds every
 * subscriber, so its per-key limits (MAX_SUBSCRIPTIONS_PER_KEY 200, WS_MAX_SOCKETS_PER_KEY
 * 500, SUBSCRIPTION_DELIVERIES_PER_SECOND 5,000 by default) are lifted; a deployment with
 * this many subscribers gives them many keys instead.
 */
export const FANOUT_SERVER_ENV: Record<string, string> = {
  MAX_SUBSCRIPTIONS_PER_KEY: '1000000',
  WS_MAX_SOCKETS_PER_KEY: '1000000',
  SUBSCRIPTION_DELIVERIES_PER_SECOND: '0',
  RATE_LIMIT_MAX: '0',
};
