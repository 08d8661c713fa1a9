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

/** Event time fed per slice, in DRIFT windows: well inside the ring, so nothing is evicted unjudged. */
const SLICE_WINDOWS = 4;

/**
 * Feeds each sensor its readings like `observe`, but all sensors together in event-time slices
 * of SLICE_WINDOWS drift windows. A batch that spans more than one slice (an import) has its
 * zone × kind groups (among these sensors) judged for DRIFT after every slice (advanceDrift), as
 * the sweep would have judged them live. A batch within one slice (live data) is not judged here:
 * the sweep does it, or the caller when driftBacklog reaches DRIFT_BACKLOG_LIMIT.
 * A sensor whose evaluation throws is left out from then on and reported as `{ error }`.
 */
export function observeMany(items: SensorBatch[], config: TrustConfig): BatchOutcome[] {
  // Non-finite timestamps cannot be placed in event time (observe skips them anyway).
  const samples = items.map((x) =>
    x.samples.every((r) => Number.isFinite(r.ts)) ? x.samples : x.samples.filter((r) => Number.isFinite(r.ts)),
  );
  const before = items.map((x) => signature(x.state));
  const points: TrustPointData[][] = items.map(() => []);
  const errors: unknown[] = items.map(() => undefined);
  const failed = items.map(() => false);
  const pos = items.map(() => 0);
  let sliceMs = Infinity;
  for (const { profile } of items)
    sliceMs = Math.min(sliceMs, SLICE_WINDOWS * thresholdsFor(config, profile.kind).driftWindowMinutes * 60_000);
  let sliced = false;
  for (;;) {
    let first = Infinity;
    items.forEach((_, i) => {
      const next = samples[i][pos[i]];
      if (!failed[i] && next && next.ts < first) first = next.ts;
    });
    if (!Number.isFinite(first)) break;
    const cut = (Math.floor(first / sliceMs) + 1) * sliceMs;
    let more = false;
    items.forEach((x, i) => {
      if (failed[i]) return;
      const own = samples[i];
      const from = pos[i];
      let to = from;
      while (to < own.length && own[to].ts < cut) to++;
      if (to < own.length) more = true;
      if (to === from) return;
      pos[i] = to;
      try {
        const slice = from === 0 && to === own.length ? own : own.slice(from, to);
        observeInto(x.state, x.profile, slice, x.now, config, points[i], x.onStep);
      } catch (error) {
        failed[i] = true;
        errors[i] = error;
      }
    });
    // More event time to come in this batch (an import): judge the windows closed so far.
    if (more || sliced) {
      sliced = true;
      const at: number[] = [];
      items.forEach((x, i) => {
        if (!failed[i] && x.profile.zoneId !== null) at.push(i);
      });
      const outs = advanceDrift(
        at.map((i) => items[i]),
        config,
      );
      outs.forEach((o, k) => points[at[k]].push(...o.points));
    }
  }
  return items.map((x, i) => {
    if (failed[i]) return { error: errors[i] };
    return {
      state: x.state,
      verdict: buildVerdict(x.state),
      points: points[i],
      changed: signature(x.state) !== before[i],
    };
  });
}
