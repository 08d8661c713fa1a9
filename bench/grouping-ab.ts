// The incident-grouping budget, "the arrival shapes within 5 % of their rates without incident grouping":
// the shapes on a fresh server with INCIDENT_GROUPING on, then off, then on, … (A/B/A/B,
// BENCH_AB_PAIRS pairs), each arm on a fresh database after a warm-up, each shape against its
// bare unnest insert and bare COPYs of the same rows in the same arm. Reports per shape and
// arm the median rate with its spread, and the median of the pairs' on/off rate ratios; and the
// server's CPU per reading (ingest through the trust stream's catching up), with its on/off
// ratio per pair: CPU time is much less disturbed by other work on the machine than a rate.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';
import { createGraphqlClient } from './http-client.js';
import { createScratchDatabase, probePostgres } from './postgres-admin.js';
import { registerFleet } from './register.js';
import type { SectionResult } from './scale.js';
import { startServer } from './server-process.js';
import { log, serverEnv, settings } from './settings.js';
import { registerShapeFleets, runShapes, warmUp, type ShapeName, type ShapeResult } from './shapes.js';
import type { IngestRun } from './ingest.js';
import { percentile, round } from './stats.js';

type Mode = 'postgres' | 'pglite';

interface Arm {
  mode: Mode;
  pair: number;
  grouping: boolean;
  loadAverage1m: number;
  shapes: ShapeResult[];
}

async function runArm(mode: Mode, pair: number, grouping: boolean): Promise<Arm> {
  const loadAverage1m = round(os.loadavg()[0]!, 2);
  const dataDir = mode === 'pglite' ? await mkdtemp(join(os.tmpdir(), 'bench-ab-')) : undefined;
  const unregister = dataDir
    ? onCleanup(`PGlite data dir ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }))
    : () => {};
  const db = mode === 'postgres' ? await createScratchDatabase(settings.postgresUrl, `bench_ab_${Date.now()}`) : null;
  try {
    const server = await startServer(
      serverEnv({ DATABASE_URL: db?.url, DATA_DIR: dataDir, INCIDENT_GROUPING: String(grouping) }),
      `${mode} grouping ${grouping ? 'on' : 'off'}`,
    );
    const client = createGraphqlClient(server.baseUrl, Math.max(settings.clients, 8));
    try {
      const register = (f: Parameters<typeof registerFleet>[1]) =>
        registerFleet(client, f, Math.max(8, settings.clients));
      await registerShapeFleets(register, settings.shapes);
      await warmUp(client, register, settings.abWarmUpReadings);
      const shapes = await runShapes(mode, { server, client, databaseUrl: db?.url });
      return { mode, pair, grouping, loadAverage1m, shapes };
    } finally {
      client.close();
      await server.stop();
    }
  } finally {
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    unregister();
  }
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
const spread = (xs: number[], digits = 0) =>
  `${round(median(xs), digits).toLocaleString('en-US')} (${round(Math.min(...xs), digits).toLocaleString('en-US')}–${round(Math.max(...xs), digits).toLocaleString('en-US')})`;

/**
 * One row per mode, shape and side: median (min–max) over that side's arms of the rate and of
 * its ratios to the bare inserts, and on the "on" row the median (min–max) of the pairs' on ÷ off
 * rate, and of the pairs' on ÷ off of each arm's rate over its own bare unnest insert (the
 * budget: grouping costs at most 5 %, an on ÷ off of 0.95 or more).
 */
export function summarizeArms(arms: Arm[]): string[][] {
  const rows: string[][] = [];
  for (const mode of [...new Set(arms.map((a) => a.mode))]) {
    for (const shape of settings.shapes as ShapeName[]) {
      const side = (grouping: boolean) =>
        arms
          .filter((a) => a.mode === mode && a.grouping === grouping)
          .map((a) => ({ pair: a.pair, r: a.shapes.find((s) => s.shape === shape) }))
          .filter((x): x is { pair: number; r: ShapeResult & { ingest: IngestRun; ratio: number } } =>
            Boolean(x.r?.ingest && x.r.ratio !== undefined),
          );
      const on = side(true);
      const off = side(false);
      const pairs = on.flatMap((a) => {
        const b = off.find((x) => x.pair === a.pair);
        return b ? [{ on: a.r, off: b.r }] : [];
      });
      const perPair = pairs.map((p) => p.on.ingest.readingsPerSecond / p.off.ingest.readingsPerSecond);
      // Each arm's rate over the bare insert measured just before it on the same database and
      // machine state: the swings of the machine between arms cancel out of this one.
      const normalizedPerPair = pairs.map((p) => p.on.ratio / p.off.ratio);
      const cpuPerPair = pairs.flatMap((p) =>
        p.on.serverCpuUsPerReading && p.off.serverCpuUsPerReading
          ? [p.on.serverCpuUsPerReading / p.off.serverCpuUsPerReading]
          : [],
      );
      for (const [grouping, xs] of [
        ['on', on],
        ['off', off],
      ] as const) {
        if (!xs.length) continue;
        const r = xs.map((x) => x.r);
        const defined = (vs: (number | undefined)[]) => vs.filter((v): v is number => v !== undefined);
        const text = defined(r.map((x) => x.copyRatio?.text));
        const binary = defined(r.map((x) => x.copyRatio?.binary));
        const cpu = defined(r.map((x) => x.serverCpuUsPerReading));
        rows.push([
          mode,
          shape,
          grouping,
          String(xs.length),
          spread(r.map((x) => x.ingest.readingsPerSecond)),
          spread(
            r.map((x) => x.ratio),
            2,
          ),
          text.length ? spread(text, 2) : '–',
          binary.length ? spread(binary, 2) : '–',
          grouping === 'on' && perPair.length ? spread(perPair, 3) : '',
          grouping === 'on' && normalizedPerPair.length ? spread(normalizedPerPair, 3) : '',
          cpu.length ? spread(cpu, 1) : '–',
          grouping === 'on' && cpuPerPair.length ? spread(cpuPerPair, 3) : '',
        ]);
      }
    }
  }
  return rows;
}

export const GROUPING_HEADER = [
  'mode',
  'shape',
  'grouping',
  'arms',
  'readings/s median (min–max)',
  '÷ unnest',
  '÷ text COPY',
  '÷ binary COPY',
  'on ÷ off per pair',
  'on ÷ off per pair, ÷ unnest',
  'server CPU µs/reading',
  'CPU on ÷ off per pair',
];

export async function groupingSection(): Promise<SectionResult> {
  const modes = settings.abModes.filter((m): m is Mode => m === 'postgres' || m === 'pglite');
  if (modes.includes('postgres')) {
    const probe = await probePostgres(settings.postgresUrl);
    if (!probe.ok && modes.length === 1)
      return { section: 'grouping', status: 'skipped', reason: `PostgreSQL unreachable: ${probe.reason}` };
    if (!probe.ok) modes.splice(modes.indexOf('postgres'), 1);
  }
  if (!settings.shapes.length) return { section: 'grouping', status: 'skipped', reason: 'BENCH_SHAPES=0' };
  const arms: Arm[] = [];
  for (const mode of modes)
    for (let pair = 1; pair <= settings.abPairs; pair++)
      for (const grouping of [true, false]) {
        log(`grouping A/B: ${mode} pair ${pair}, INCIDENT_GROUPING=${grouping}`);
        const arm = await runArm(mode, pair, grouping);
        const failed = arm.shapes.find((s) => s.error);
        if (failed) throw new Error(`${mode} pair ${pair} grouping ${grouping}: ${failed.shape}: ${failed.error}`);
        arms.push(arm);
      }
  const loads = arms.map((a) => a.loadAverage1m);
  return {
    section: 'grouping',
    status: 'ran',
    figures: {
      arms: `${arms.length} (A/B/A/B: INCIDENT_GROUPING on, off, …; fresh database and server each, after a ${settings.abWarmUpReadings.toLocaleString('en-US')}-reading warm-up)`,
      'load average 1m at the arms': `${Math.min(...loads)}–${Math.max(...loads)}`,
    },
    header: GROUPING_HEADER,
    rows: summarizeArms(arms),
    arms,
  };
}
