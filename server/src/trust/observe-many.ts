// Many sensors' readings at once (a stream tick, an import batch), fed in event-time slices so
// DRIFT windows are judged between them: one sensor's batch may span more event time than its
// window ring holds (a small fleet imported in large batches), and no window is lost.
import { thresholdsFor, type TrustConfig } from './config.js';
import { observeInto, type StepObserver, type TrustOutcome } from './observe.js';
import type { TrustState } from './state.js';
import { advanceDrift } from './sweep.js';
import type { ReadingSample, SensorProfile, TrustPointData } from './types.js';
import { buildVerdict, signature } from './verdict.js';

export interface SensorBatch {
  profile: SensorProfile;
  state: TrustState;
  /** sorted by ts ascending */
  samples: ReadingSample[];
  /** server time the readings were received (epoch ms) */
  now: number;
  /** called after each reading (see observe); its points are all of this batch's so far */
  onStep?: StepObserver;
}

/** An outcome, or the error one sensor's evaluation threw (its state may be half-updated: do not keep it). */
export type BatchOutcome = TrustOutcome | { error: unknown };

const groupKey = (p: SensorProfile) => `${p.zoneId}\u0000${p.kind}`;

/** Event time fed per slice, in DRIFT windows: well inside the ring, so nothing is evicted unjudged. */
const SLICE_WINDOWS = 4;

/**
 * Feeds each sensor its readings like `observe`, but all sensors together in event-time slices
 * of SLICE_WINDOWS drift windows, and judges the zone × kind groups of these sensors for DRIFT
 * after every slice (advanceDrift): the windows their watermark has passed, live or imported,
 * so no window is lost and none waits for a sweep. Items with no samples are peers: the other
 * sensors of the zones, judged with them (the trust stream's owner passes whole zones, so a
 * window is judged with the same members however the readings fall into batches).
 * A sensor whose evaluation throws is left out from then on and reported as `{ error }`.
 */
export function observeMany(items: SensorBatch[], config: TrustConfig): BatchOutcome[] {
  const work = items.map(
    (
      x,
    ): {
      x: SensorBatch;
      samples: ReadingSample[];
      before: number;
      points: TrustPointData[];
      failed: boolean;
      error: unknown;
      pos: number;
    } => ({
      x,
      // Non-finite timestamps cannot be placed in event time (observe skips them anyway).
      samples: x.samples.every((r) => Number.isFinite(r.ts))
        ? x.samples
        : x.samples.filter((r) => Number.isFinite(r.ts)),
      before: signature(x.state),
      points: [],
      failed: false,
      error: undefined,
      pos: 0,
    }),
  );
  let sliceMs = Infinity;
  for (const { profile } of items)
    sliceMs = Math.min(sliceMs, SLICE_WINDOWS * thresholdsFor(config, profile.kind).driftWindowMinutes * 60_000);
  for (;;) {
    let first = Infinity;
    for (const w of work) {
      const next = w.samples[w.pos];
      if (!w.failed && next && next.ts < first) first = next.ts;
    }
    if (!Number.isFinite(first)) break;
    const cut = (Math.floor(first / sliceMs) + 1) * sliceMs;
    // zone × kind groups that observed readings in this slice: only their watermark moves
    const moved = new Set<string>();
    for (const w of work) {
      if (w.failed) continue;
      const own = w.samples;
      const from = w.pos;
      let to = from;
      while ((own[to]?.ts ?? Infinity) < cut) to++;
      if (to === from) continue;
      w.pos = to;
      moved.add(groupKey(w.x.profile));
      try {
        const slice = from === 0 && to === own.length ? own : own.slice(from, to);
        observeInto(w.x.state, w.x.profile, slice, w.x.now, config, w.points, w.x.onStep);
      } catch (error) {
        w.failed = true;
        w.error = error;
      }
    }
    // Judge the windows closed so far (more event time may come in this batch: an import).
    const judged = work.filter((w) => !w.failed && w.x.profile.zoneId !== null && moved.has(groupKey(w.x.profile)));
    // advanceDrift returns one outcome per entry, in order
    const outs = advanceDrift(
      judged.map((w) => w.x),
      config,
    );
    judged.forEach((w, k) => w.points.push(...(outs[k]?.points ?? [])));
  }
  return work.map(({ x, failed, error, points, before }): BatchOutcome => {
    if (failed) return { error };
    return {
      state: x.state,
      verdict: buildVerdict(x.state),
      points,
      changed: signature(x.state) !== before,
    };
  });
}
