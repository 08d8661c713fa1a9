// The demo simulator: registers a fleet through the GraphQL API, backfills a
// few minutes of history, then streams one reading per sensor every tick with
// an occasional fault episode (out of range, spikes, stuck, silent, noise,
// drift). Started by `npm run demo` (DEMO=1); light on CPU: one small batch per tick.
import { DEMO_ZONES, demoSensors, healthyValue, seededRandom, type DemoSensor } from './fleet.js';
import { applyFault, DEMO_FAULT_KINDS, type FaultEpisode } from './faults.js';
import type { DemoCredentials, DemoKeyPurpose } from './demo-keys.js';

export interface DemoOptions {
  /** Base URL of the running server, e.g. http://127.0.0.1:4000 */
  baseUrl: string;
  tickMs?: number;
  backfillMinutes?: number;
  seed?: number;
  log?: { info(msg: string): void; warn(msg: string): void };
  /** Keys of its own once the API requires keys (demo-keys.ts); without it the simulator stops when refused. */
  credentials?: DemoCredentials;
}

interface ReadingInput {
  sensorId: string;
  timestamp: string;
  value: number;
}

const MAX_CONCURRENT_FAULTS = 3;

/** The server answered 401: this request needs a (new) key. */
class RefusedError extends Error {}

async function gql<T>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown>,
  key: string | null = null,
): Promise<T> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  const message = body.errors?.map((e) => e.message).join('; ');
  if (response.status === 401) throw new RefusedError(message ?? 'refused (401)');
  if (message) throw new Error(message);
  return body.data as T;
}

// The whole demo fleet in two requests (bulk registration, per-item outcomes).
const UPSERT_ZONES = `mutation($inputs: [ZoneInput!]!) { upsertZones(inputs: $inputs) { rejected errors { id message } } }`;
const UPSERT_SENSORS = `mutation($inputs: [SensorInput!]!) { upsertSensors(inputs: $inputs) { rejected errors { id message } } }`;
type BulkAnswer = { rejected: number; errors: { id: string; message: string }[] };
const INGEST = `mutation($readings: [ReadingInput!]!) { ingestReadings(readings: $readings) { accepted rejected } }`;

export function startDemo(options: DemoOptions): { stop(): void } {
  const { baseUrl, log = console } = options;
  const tickMs = options.tickMs ?? 5000;
  const random = seededRandom(options.seed ?? 20261128);
  const sensors = demoSensors();
  const episodes = new Map<string, FaultEpisode>();
  let nextFaultAt = Date.now() + 15_000;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let warnedIngest = false;
  const keys = new Map<DemoKeyPurpose, string>();
  const { credentials } = options;

  // A request with the purpose's key. Refused (401) without one: open mode has ended (someone
  // created the first API key), so the server mints the simulator a key of its own, says so,
  // and the request is sent again. Refused with one: that key was revoked; the simulator stops.
  const call = async <T>(purpose: DemoKeyPurpose, query: string, variables: Record<string, unknown>): Promise<T> => {
    try {
      return await gql<T>(baseUrl, query, variables, keys.get(purpose) ?? null);
    } catch (err) {
      if (!(err instanceof RefusedError)) throw err;
      if (!credentials || keys.has(purpose)) {
        stopped = true;
        log.warn(
          keys.has(purpose)
            ? `demo: the simulator's ${credentials?.describe(purpose)} was revoked: the simulator has STOPPED (restart \`npm run demo\` to resume)`
            : 'demo: open mode has ended (an API key was created) and the simulator has no key: it has STOPPED',
        );
        throw err;
      }
      keys.set(purpose, await credentials.mint(purpose));
      log.warn(
        `demo: open mode has ended (an API key exists now): the simulator goes on with its own ${credentials.describe(purpose)}; ` +
          'sign in on the dashboard with a key of yours',
      );
      return gql<T>(baseUrl, query, variables, keys.get(purpose));
    }
  };

  const valueAt = (sensor: DemoSensor, ts: number): number | null => {
    const healthy = healthyValue(sensor, ts, random);
    const episode = episodes.get(sensor.id);
    if (!episode || ts < episode.startMs) return healthy;
    return applyFault(episode, sensor, healthy, ts, random);
  };

  const scheduleFaults = (now: number) => {
    for (const [id, e] of episodes)
      if (e.endMs <= now) {
        episodes.delete(id);
        log.info(`demo: ${id} recovers from ${e.kind}`);
      }
    if (now < nextFaultAt || episodes.size >= MAX_CONCURRENT_FAULTS) return;
    const healthy = sensors.filter((s) => !episodes.has(s.id));
    const sensor = healthy[Math.floor(random() * healthy.length)];
    const kind = DEMO_FAULT_KINDS[Math.floor(random() * DEMO_FAULT_KINDS.length)];
    if (!sensor || !kind) return;
    const duration = 60_000 + Math.floor(random() * 120_000);
    episodes.set(sensor.id, { sensorId: sensor.id, kind, startMs: now, endMs: now + duration });
    log.info(`demo: injecting ${kind} on ${sensor.id} for ${Math.round(duration / 1000)} s`);
    nextFaultAt = now + 30_000 + Math.floor(random() * 40_000);
  };

  const ingest = async (readings: ReadingInput[]) => {
    for (let i = 0; i < readings.length; i += 1000) {
      try {
        await call('ingest', INGEST, { readings: readings.slice(i, i + 1000) });
      } catch (err) {
        if (stopped) return;
        if (!warnedIngest) log.warn(`demo: ingestReadings failed (${(err as Error).message}); will keep trying`);
        warnedIngest = true;
      }
    }
  };

  const tick = async () => {
    if (stopped) return;
    const now = Date.now();
    scheduleFaults(now);
    const readings: ReadingInput[] = [];
    for (const sensor of sensors) {
      const value = valueAt(sensor, now);
      if (value !== null)
        readings.push({ sensorId: sensor.id, timestamp: new Date(now).toISOString(), value: round(value) });
    }
    await ingest(readings);
    if (!stopped) timer = setTimeout(() => void tick(), tickMs);
    timer?.unref?.();
  };

  const start = async () => {
    // Keys already required: the simulator's keys are minted before its first request.
    if (credentials?.required()) {
      keys.set('setup', await credentials.mint('setup'));
      keys.set('ingest', await credentials.mint('ingest'));
      log.info(
        `demo: API keys are required here: the simulator uses its own ${credentials.describe('ingest')} ` +
          `(and, while it registers the fleet, ${credentials.describe('setup')})`,
      );
    }
    const zones = await call<{ upsertZones: BulkAnswer }>('setup', UPSERT_ZONES, {
      inputs: DEMO_ZONES.map((zone) => ({ id: zone.id, name: zone.name, description: zone.description })),
    });
    const registered = await call<{ upsertSensors: BulkAnswer }>('setup', UPSERT_SENSORS, {
      inputs: sensors.map((s) => ({
        id: s.id,
        name: s.name,
        kind: s.kind.kind,
        unit: s.kind.unit,
        zoneId: s.zoneId,
        minValue: s.kind.minValue,
        maxValue: s.kind.maxValue,
        expectedIntervalSeconds: Math.round(tickMs / 1000),
      })),
    });
    for (const e of [...zones.upsertZones.errors, ...registered.upsertSensors.errors])
      log.warn(`demo: ${e.id} was not registered: ${e.message}`);
    log.info(`demo: registered ${DEMO_ZONES.length} zones and ${sensors.length} sensors; backfilling history`);
    // A few minutes of healthy history so charts are not empty on first look;
    // after a restart only the gap since each sensor's newest reading (never
    // older readings: they would look like clock faults).
    const minutes = options.backfillMinutes ?? 15;
    const end = Date.now() - tickMs;
    const newest = await newestReadings((query) => call('setup', query, {}));
    // The ADMIN key's work is done: only the INTEGRATOR key stays.
    if (keys.delete('setup')) await credentials?.retire('setup');
    const history: ReadingInput[] = [];
    for (const s of sensors) {
      const after = newest.get(s.id) ?? 0;
      for (let ts = end - minutes * 60_000; ts <= end; ts += tickMs) {
        if (ts > after)
          history.push({
            sensorId: s.id,
            timestamp: new Date(ts).toISOString(),
            value: round(healthyValue(s, ts, random)),
          });
      }
    }
    history.sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1));
    await ingest(history);
    log.info(`demo: streaming a reading per sensor every ${tickMs / 1000} s with occasional faults`);
    void tick();
  };

  start().catch((err) => log.warn(`demo: could not start the simulator: ${(err as Error).message}`));
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

type NewestAnswer = { sensors: { nodes: { id: string; lastReading: { timestamp: string } | null }[] } };

async function newestReadings(query: (text: string) => Promise<NewestAnswer>): Promise<Map<string, number>> {
  const data = await query(`query { sensors(first: 1000) { nodes { id lastReading { timestamp } } } }`);
  return new Map(
    data.sensors.nodes.filter((n) => n.lastReading).map((n) => [n.id, Date.parse(n.lastReading!.timestamp)]),
  );
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
