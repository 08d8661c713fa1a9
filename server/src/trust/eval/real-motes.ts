// Readers for two real wireless-mote deployments (battery motes reporting over a lossy radio):
// parse the published text into one series per mote and quantity, timed by arrival. Pure: the
// caller reads the files (the data is not committed; see data-real/README.md for where to get it).
import type { ReadingSample, SensorProfile } from '../types.js';

export interface MoteSeries {
  profile: SensorProfile;
  readings: ReadingSample[];
  /**
   * First arrival of a genuinely faulty reading (the mote's battery failing: see parseIntelLab),
   * null when the mote stayed healthy. Healthy time is the time before it.
   */
  failedAt: number | null;
}

const QUANTITIES = [
  { kind: 'temperature', unit: '°C', min: -10, max: 60 },
  { kind: 'humidity', unit: '%', min: 0, max: 100 },
] as const;

const profileOf = (id: string, q: (typeof QUANTITIES)[number], interval: number): SensorProfile => ({
  id,
  kind: q.kind,
  unit: q.unit,
  zoneId: null,
  minValue: q.min,
  maxValue: q.max,
  expectedIntervalSeconds: interval,
});

/**
 * ULB MLG "Library" deployments (19-20 TelosB motes in a library, one sensing packet a minute
 * each; files R1.txt-R3.txt of Library 1 run on from one another, readings.txt of Library 2).
 * A line: base-station arrival time (epoch ms), node id, sequence number, internal temperature,
 * voltage, humidity, temperature, PAR, TSR, decimals written with a comma; sequence numbers from
 * 1000 on are printed with a (non-breaking) space after the thousands. The radio sometimes
 * delivers a packet twice (same sequence number, under a second apart): the first arrival is kept.
 */
export function parseUlbLibrary(texts: string[], prefix: string): MoteSeries[] {
  const byNode = new Map<number, { ts: number; seq: number; humidity: number; temperature: number }[]>();
  for (const text of texts)
    for (const raw of text.split('\n')) {
      let f = raw
        .replace(/\u00a0/g, '')
        .trim()
        .split(/\s+/);
      if (f.length === 10) f = [f[0]!, f[1]!, `${f[2]}${f[3]}`, ...f.slice(4)];
      if (f.length !== 9) continue;
      const [ts, node, seq, , , humidity, temperature] = f.map((x) => Number(x.replace(',', '.')));
      if ([ts, node, seq, humidity, temperature].some((x) => !Number.isFinite(x))) continue;
      const rows = byNode.get(node!) ?? [];
      byNode.set(node!, rows);
      rows.push({ ts: ts!, seq: seq!, humidity: humidity!, temperature: temperature! });
    }
  const out: MoteSeries[] = [];
  for (const [node, rows] of [...byNode].sort((a, b) => a[0] - b[0])) {
    rows.sort((a, b) => a.ts - b.ts);
    const seen = new Set<number>();
    const unique = rows.filter((r) => !seen.has(r.seq) && seen.add(r.seq));
    for (const q of QUANTITIES)
      out.push({
        profile: profileOf(`${prefix}-node${node}-${q.kind}`, q, 60),
        readings: unique.map((r) => ({ ts: r.ts, value: r[q.kind] })),
        failedAt: null,
      });
  }
  return out;
}

/** Battery voltage (V) below which an Intel Lab mote's readings are no longer trustworthy. */
export const INTEL_FAILING_VOLTAGE = 2.3;

/**
 * Intel Berkeley Research Lab (54 Mica2Dot motes, 28 Feb - 5 Apr 2004, a reading every 31 s,
 * `data.txt`: date time epoch moteid temperature humidity light voltage; time of arrival at the
 * base station, local, read as UTC). Lines with missing fields are skipped. A mote whose battery
 * falls below INTEL_FAILING_VOLTAGE, or that reports a temperature above 100 °C (what these motes
 * do as their battery dies), has failed from that reading on: `failedAt`.
 * `motes`/`from`/`to` select motes and a time window (epoch ms, arrival).
 */
export function parseIntelLab(
  text: string,
  options: { motes?: readonly number[]; from?: number; to?: number } = {},
): MoteSeries[] {
  const keep = options.motes ? new Set(options.motes) : null;
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  const byMote = new Map<number, { ts: number; temperature: number; humidity: number; voltage: number }[]>();
  for (const raw of text.split('\n')) {
    const f = raw.trim().split(/\s+/);
    if (f.length !== 8) continue;
    const ts = Date.parse(`${f[0]}T${f[1]}Z`);
    const [mote, temperature, humidity, , voltage] = f.slice(3).map(Number);
    if (![ts, mote, temperature, humidity, voltage].every((x) => Number.isFinite(x))) continue;
    if ((keep && !keep.has(mote!)) || ts < from || ts > to) continue;
    const rows = byMote.get(mote!) ?? [];
    byMote.set(mote!, rows);
    rows.push({ ts, temperature: temperature!, humidity: humidity!, voltage: voltage! });
  }
  const out: MoteSeries[] = [];
  for (const [mote, rows] of [...byMote].sort((a, b) => a[0] - b[0])) {
    rows.sort((a, b) => a.ts - b.ts);
    const failing = rows.find((r) => r.voltage < INTEL_FAILING_VOLTAGE || r.temperature > 100);
    for (const q of QUANTITIES)
      out.push({
        profile: profileOf(`intel-mote${mote}-${q.kind}`, q, 31),
        readings: rows.map((r) => ({ ts: r.ts, value: r[q.kind] })),
        failedAt: failing?.ts ?? null,
      });
  }
  return out;
}
