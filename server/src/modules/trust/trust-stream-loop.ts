// The trust stream's loop as a state machine (docs/trust-stream.md, "The loop"). Its modes:
//
//   stopped ──start──► ticking ──(worked)──────► resting ──(interval over, barrier)──► ticking
//                         │   ──(no work)──────► idle    ──(poll over, kick, barrier)► ticking
//                         │   ──(no work, kicked during the tick)──────────────────► ticking
//                         └──stop──► stopping ──(loop ended)──► stopped
//
// - ticking: a tick runs; a kick that arrives meanwhile is remembered (`kicked`), so a tick
//   that found nothing is followed at once by another instead of a poll's sleep.
// - resting: after a tick that found work, the rest of the tick interval (more readings per
//   tick, fewer state writes per sensor); only a barrier ends it early. While local ingests
//   arrive (a kick during the tick) and the tick read a burst (many rows, not a whole slice),
//   the rest is at least as long as the tick took (at most a second): the stream then takes
//   at most half of the thread it shares with the request path, and lets its slices grow
//   (cheaper per reading) instead of ticking back to back. A whole slice read means it is a
//   slice behind: it ticks at once. Small ticks keep the interval.
// - idle: nothing to do; the poll interval, ended early by any kick (a local ingest).
// - While barriers wait (`barriers > 0`) every tick writes everything in memory, and ticks
//   run back to back (10 ms apart when one finds nothing).
// Every transition is checked against this diagram; an illegal one throws.

export type LoopMode = 'stopped' | 'ticking' | 'resting' | 'idle' | 'stopping';

const NEXT: Record<LoopMode, readonly LoopMode[]> = {
  stopped: ['ticking'],
  ticking: ['ticking', 'resting', 'idle', 'stopping'],
  resting: ['ticking', 'stopping'],
  idle: ['ticking', 'stopping'],
  stopping: ['stopped'],
};

/** Pause between back-to-back ticks for a barrier when this instance found nothing. */
const BARRIER_PAUSE_MS = 10;

export class IllegalLoopTransition extends Error {
  constructor(from: LoopMode, to: LoopMode) {
    super(`trust stream loop: no transition from ${from} to ${to}`);
  }
}

export interface LoopSettings {
  /** Least time between two ticks that found work. */
  intervalMs: number;
  /**
   * While ingests arrive, rest at least this many times as long as the tick took (0: never
   * longer than the interval): the request path's share of the thread.
   */
  yieldFactor?: number;
  /** The longest such rest (it bounds what the yield adds to the verdict lag; default 1000). */
  maxYieldMs?: number;
  /** Idle poll (readings of other instances). */
  pollMs: number;
}

/**
 * What a tick found: nothing (false), work (true), a burst of rows ('burst': it may yield to
 * the request path), or a whole slice of the log with more waiting ('full': the stream is
 * behind and ticks again at once).
 */
export type TickOutcome = boolean | 'burst' | 'full';

/** `step(flushAll)` runs one tick and says what it found; it must not throw. */
export class StreamLoop {
  #mode: LoopMode = 'stopped';
  /** A kick arrived since the current tick began. */
  #kicked = false;
  /** Barriers waiting on this instance. */
  #barriers = 0;
  /** Ends the current rest or idle wait early. */
  #wake: (() => void) | null = null;
  /** Resolved after the next tick (barriers wait on them). */
  #afterTick: (() => void)[] = [];
  #running: Promise<void> | null = null;

  constructor(
    private readonly step: (flushAll: boolean) => Promise<TickOutcome>,
    private readonly settings: LoopSettings,
  ) {}

  get mode(): LoopMode {
    return this.#mode;
  }

  /** Ticks run (or will run soon): a barrier can wait for them. */
  get running(): boolean {
    return this.#mode !== 'stopped' && this.#mode !== 'stopping';
  }

  get barriers(): number {
    return this.#barriers;
  }

  #enter(next: LoopMode): void {
    if (!NEXT[this.#mode].includes(next)) throw new IllegalLoopTransition(this.#mode, next);
    this.#mode = next;
  }

  #stopping(): boolean {
    return this.#mode === 'stopping';
  }

  start(): void {
    // Only from stopped: ticking → ticking is the loop's own step, not a second loop.
    if (this.#mode !== 'stopped') throw new IllegalLoopTransition(this.#mode, 'ticking');
    this.#enter('ticking');
    this.#running = this.#run();
  }

  /** Ends the loop after its current tick; `last` runs then (the final checkpoint), before any waiter resumes. */
  async stop(last: () => Promise<void>): Promise<void> {
    if (this.#mode === 'stopped') return;
    this.#enter('stopping');
    this.#wake?.();
    await this.#running;
    this.#running = null;
    try {
      await last();
    } finally {
      this.#enter('stopped');
      this.#tickDone();
    }
  }

  /** New work: ends an idle wait at once; a barrier's kick ends a rest too. */
  kick(barrier: boolean): void {
    this.#kicked = true;
    if (this.#wake && (this.#mode === 'idle' || barrier)) this.#wake();
  }

  /** Resolves after the next tick (a barrier's kick: it starts soon). */
  nextTick(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#afterTick.push(resolve);
      this.kick(true);
    });
  }

  /** While `work` runs, a barrier waits: ticks write everything and run back to back. */
  async barrier<T>(work: () => Promise<T>): Promise<T> {
    this.#barriers++;
    try {
      return await work();
    } finally {
      this.#barriers--;
    }
  }

  #tickDone(): void {
    for (const resolve of this.#afterTick.splice(0)) resolve();
  }

  async #run(): Promise<void> {
    while (!this.#stopping()) {
      this.#kicked = false;
      const started = performance.now();
      const worked = await this.step(this.#barriers > 0);
      this.#tickDone();
      if (this.#stopping()) break;
      if (this.#barriers > 0) {
        if (worked) this.#enter('ticking');
        else await this.#sleep('resting', BARRIER_PAUSE_MS);
      } else if (worked) {
        const took = performance.now() - started;
        const yielding = this.#kicked && worked === 'burst';
        const yieldMs = yielding
          ? Math.min(took * (this.settings.yieldFactor ?? 0), this.settings.maxYieldMs ?? 1000)
          : 0;
        const rest = Math.max(this.settings.intervalMs - took, yieldMs);
        if (rest > 0) await this.#sleep('resting', rest);
        else this.#enter('ticking');
      } else if (this.#kicked) this.#enter('ticking');
      else await this.#sleep('idle', this.settings.pollMs);
    }
  }

  /** Rests or idles for `ms` (shorter when woken), then ticks again unless the loop is stopping. */
  #sleep(mode: 'resting' | 'idle', ms: number): Promise<void> {
    this.#enter(mode);
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = null;
        if (!this.#stopping()) this.#enter('ticking');
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
