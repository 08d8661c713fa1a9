// Reason messages: the evidence in numbers and the sensor's unit, built only when a verdict is
// read (never per reading) from the EV numbers each detector keeps in the state.
import { DAY_HOURS, DRIFT_HOUR_CODES, evidenceOf, RF_ADVISORY, type TrustState } from './state.js';
import { FAULT_KINDS, type KindSlot } from './types.js';

function num(x: number): string {
  const a = Math.abs(x);
  const t = a >= 100 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : a >= 0.01 ? x.toFixed(3) : x.toPrecision(2);
  return t.includes('.') && !t.includes('e') ? t.replace(/\.?0+$/, '') : t;
}

function dur(ms: number): string {
  const sec = ms / 1000;
  if (sec < 120) return `${num(Math.round(sec))} s`;
  if (sec < 7200) return `${num(Math.round(sec / 60))} min`;
  return `${num(Math.round(sec / 360) / 10)} h`;
}

export function message(s: TrustState, k: KindSlot): string {
  const u = s.unit ? ` ${s.unit}` : '';
  const q = (x: number) => `${num(x)}${u}`;
  const [e0, e1, e2] = evidenceOf(s, k);
  const kind = FAULT_KINDS[k];
  switch (kind) {
    case 'OUT_OF_RANGE':
      return `${q(e0)} is ${e0 > e1 ? 'above' : 'below'} the sensor's ${e0 > e1 ? 'max' : 'min'} ${q(e1)} (${e2} reading${e2 === 1 ? '' : 's'} out of range)`;
    case 'SPIKE':
      return `${e0} isolated spikes, the last ${q(Math.abs(e1))} ${e1 >= 0 ? 'above' : 'below'} the local median (robust sigma ${q(e2)})`;
    case 'STUCK':
      return `flat at ${q(e0)} for ${e1} readings / ${dur(e2)}`;
    case 'NOISE':
      // raised by the comparison with the zone's peers (noise-peers.ts)
      if (s.zA === 1)
        return `jumps up and down by ${q(e1)} per reading, ${num(e0)}× its peers' median (or its accuracy floor) ${q(e2)}`;
      // The evidence follows the latest readings: while the reason is held (hysteresis) the
      // ratio may have fallen back, and the words must not claim more than the numbers say.
      return e0 >= 1.5
        ? `short-term change ${q(e1)} per reading is ${num(e0)}× its learned baseline ${q(e2)}`
        : `short-term change was far above its learned baseline; now ${q(e1)} per reading, ${num(e0)}× the baseline ${q(e2)}`;
    case 'DRIFT':
      if ((s.rf[k] & RF_ADVISORY) !== 0)
        return `${q(Math.abs(e0))} ${e0 >= 0 ? 'above' : 'below'} its usual difference from its peers, but they do not track it: that difference usually spreads ±${q(e1)}, ${Math.round((100 * e1) / Math.max(e2, 1e-9))} % of its own variation ±${q(e2)}; not used as evidence`;
      {
        const peers = Math.floor(e1 / DRIFT_HOUR_CODES);
        const hour = e1 - peers * DRIFT_HOUR_CODES;
        const at =
          hour < DAY_HOURS
            ? `for ${String(hour).padStart(2, '0')}:00 UTC`
            : 'over all hours (this hour not learned yet)';
        return `${q(Math.abs(e0))} ${e0 >= 0 ? 'above' : 'below'} its usual difference from the median of ${peers} peers, ${num(Math.abs(e0) / Math.max(e2, 1e-9))}× its usual spread ±${q(e2)} ${at}`;
      }
    case 'OFFLINE':
      if (s.seenTs === null)
        return `never reported: no reading in the ${dur(e0)} since it was registered (expected every ${num(e1)} s)`;
      return (
        `no reading for ${dur(e0)} (expected every ${num(e1)} s)` +
        (s.live === 0 ? '; its newest data arrived as history, not live' : '')
      );
    case 'GAP': {
      const usual = Math.round(100 * Math.min(1, s.gN));
      return (
        `received ${e0} of ${e1} expected readings (${Math.round((100 * e0) / Math.max(1, e1))} %) in the last ${dur(e2)}` +
        (usual < 95 ? `; usually ${usual} %` : '')
      );
    }
    case 'CLOCK':
      if (e0 === 1) return `timestamp ${dur(e1)} ahead of the server clock`;
      if (e0 === 2) return `reading ${dur(e1)} older than the newest already seen (${e2} out of order so far)`;
      if (e0 === 4) return `reports every ${dur(e1)}, not every ${num(s.exp)} s as configured`;
      return `irregular timestamps: intervals are on average ${Math.round(e1 * 100)} % of the expected ${num(s.exp)} s off schedule`;
    default:
      return unreachable(kind);
  }
}

/** Compile-time exhaustiveness: a fault kind added to FAULT_KINDS without a message fails to type-check. */
export function unreachable(x: never): never {
  throw new Error(`unhandled fault kind ${String(x)}`);
}
