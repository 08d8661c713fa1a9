// NOISE: the short-term |change| well above the sensor's own slow baseline and its usual
// variation at this hour of day.
import type { TrustThresholds } from '../config.js';
import { DAY_HOURS, EV, K_NOISE, SEV_HIGH, SEV_MEDIUM, type TrustState } from '../state.js';
import { clear, raise } from '../verdict.js';
import { HOUR_MS, round4, type Reading } from './reading.js';

/**
 * The sensor's usual variation at this hour of day: the mean short-term |Δ| (`fd`) each UTC
 * hour of event time showed on earlier days, so an hour that is busy every day (a room that
 * fills every morning) is judged against that. Returns the larger of this hour's and the next
 * one's (0 if none yet; never the hour just finished, so a fault cannot teach itself), and
 * closes the hour just finished: an hour without NOISE (nor NOISE in the hour after it) updates
 * its slot as a maximum that decays by noiseDailyDecay a day; one with NOISE only moves it an eighth of the way, so a
 * sensor that became noisier for good is absorbed over a week or so instead of being flagged
 * for ever, while a new fault is flagged.
 */
function usualVariation(th: TrustThresholds, s: TrustState, ts: number, base: number): number {
  const hour = Math.floor(ts / HOUR_MS);
  if (hour !== s.nHb) {
    if (s.nHb >= 0 && s.nHc >= th.noiseHourMinReadings && s.nHs >= 0) {
      const mean = s.nHs / s.nHc;
      if (s.nHz === 0) {
        // A quiet hour is learned only once the next one has passed quietly too: the first
        // hour of a fault, before NOISE was confirmed, must not become its normal.
        if (s.nHq >= 0 && s.nHq === s.nHb - 1 && s.nHp <= 2 * th.noiseRatio * base) learnHour(th, s, s.nHq, s.nHp);
        s.nHq = s.nHb;
        s.nHp = mean;
      } else {
        const slot = s.nHb % DAY_HOURS;
        const prev = s.nH[slot] ?? 0;
        const from = prev > 0 ? prev : base;
        s.nH[slot] = round4(from + (mean - from) / 8);
        s.nHq = -1;
        // kept for the episode: learned if it clears within noiseEpisodeHours (endNoiseEpisode)
        if (s.ra[K_NOISE] > 0) keepEpisodeHour(th, s, slot, mean, base);
      }
    } else if (s.nHz !== 0) s.nHq = -1;
    s.nHb = hour;
    s.nHs = -1;
    s.nHc = 0;
    s.nHz = 0;
  }
  const slot = hour % DAY_HOURS;
  const a = s.nH[slot] ?? 0;
  const b = s.nH[(slot + 1) % DAY_HOURS] ?? 0;
  return a > b ? a : b;
}

/**
 * NOISE clears. An episode that lasted at most noiseEpisodeHours teaches the hours of day it
 * covered (and the hour under way) their usual variation, as quiet hours do: roughness that comes
 * and goes with the time of day (a humidifier every night) is then not NOISE at that time the
 * next day. A sensor that stays noisy longer teaches nothing here (its hours move an eighth a day).
 */
function endNoiseEpisode(th: TrustThresholds, s: TrustState, ts: number, base: number): void {
  const since = s.rs[K_NOISE];
  if (since !== null && ts - since <= th.noiseEpisodeHours * HOUR_MS) {
    if (s.nHc >= th.noiseHourMinReadings && s.nHs >= 0) keepEpisodeHour(th, s, s.nHb % DAY_HOURS, s.nHs / s.nHc, base);
    for (let slot = 0; slot < DAY_HOURS; slot++) {
      const x = s.nX[slot] ?? 0;
      if (x > (s.nH[slot] ?? 0)) s.nH[slot] = x;
    }
  }
  s.nX.fill(0);
  clear(s, K_NOISE, ts);
}

/**
 * An hour of a NOISE episode, kept to be learned as that hour's usual variation if the episode
 * clears soon. Only roughness a daily pattern plausibly makes counts: an hour more than
 * 2 × noiseRatio its slow baseline (HIGH NOISE) is a malfunction, not the room's habit, and a
 * sensor whose noise bursts come back at similar hours must not learn them away.
 */
function keepEpisodeHour(th: TrustThresholds, s: TrustState, slot: number, mean: number, base: number): void {
  if (mean <= 2 * th.noiseRatio * base && mean > (s.nX[slot] ?? 0)) s.nX[slot] = round4(mean);
}

/** Learns a quiet hour's mean |Δ| into its slot: a maximum that decays by noiseDailyDecay a day. */
function learnHour(th: TrustThresholds, s: TrustState, hour: number, mean: number): void {
  const slot = hour % DAY_HOURS;
  const kept = (s.nH[slot] ?? 0) * th.noiseDailyDecay;
  s.nH[slot] = round4(mean > kept ? mean : kept);
}

/**
 * The fast mean |Δ| spans about a quarter hour of readings (1/16 per reading at one a minute:
 * people moving next to a CO₂ sensor for a few minutes are the room, not the sensor), and never
 * fewer than 8 readings (1/8 per reading at one every two minutes or slower), so a sensor read
 * every 5 minutes is judged on its last 40 minutes, not on 80.
 */
function fastGain(expMs: number): number {
  const g = expMs / FAST_SPAN_MS;
  return g < 1 / 16 ? 1 / 16 : g > 1 / 8 ? 1 / 8 : g;
}
const FAST_SPAN_MS = 16 * 60_000;
/** The threshold's factor at an hour of day whose usual variation is not learned yet. */
const UNLEARNED_HOUR_K = 1.5;

/** NOISE on an accepted reading (after STUCK, whose |change| and long-run flag it uses). */
export function detectNoise(s: TrustState, r: Reading): boolean {
  const { th, ts, n, ad, floor } = r;
  if (n <= 1) return false;
  if (!r.warm) {
    s.md += (ad - s.md) / (n - 1);
    s.fd = s.md;
    return false;
  }
  const base = s.md > floor ? s.md : floor;
  // Judged against the larger of its slow baseline and its usual variation at this time of
  // day (this hour and its neighbours, learned on earlier days): a room that is busy every
  // morning is not NOISE every morning.
  const usual = usualVariation(th, s, ts, base);
  const ref = usual > base ? usual : base;
  // An hour of day not yet learned (a new sensor's first day) has no normal to judge against:
  // there the daily cycle itself (the first sunrise on an outdoor sensor) may be several times
  // its slow baseline, so roughness must exceed the threshold by half again.
  const limit = usual > 0 ? th.noiseRatio : UNLEARNED_HOUR_K * th.noiseRatio;
  s.fd += ((ad < 8 * ref ? ad : 8 * ref) - s.fd) * fastGain(r.expMs);
  s.nHs = (s.nHs < 0 ? 0 : s.nHs) + s.fd;
  s.nHc++;
  if (s.ra[K_NOISE] > 0) s.nHz = 1;
  const ratio = s.fd / ref;
  if (ratio > limit) {
    // evidence weighted by its strength: twice the threshold counts as two readings (at most 4)
    if (s.nzRun === 0) s.nzTs = ts;
    const w = ratio / limit;
    s.nzRun += w < 4 ? w : 4;
    if (s.nzRun >= th.noiseConfirmReadings) {
      // (a NOISE the peer comparison raised becomes this detector's: it clears it from now on)
      raise(s, K_NOISE, ratio > 2 * th.noiseRatio ? SEV_HIGH : SEV_MEDIUM, s.nzTs);
      s.zA = 0;
    }
  } else {
    // a dip below the threshold does not restart the count; only a return to normal does
    if (ratio < th.noiseClearRatio) s.nzRun = 0;
    // a NOISE raised by the peer comparison (zA) is cleared by it (noise-peers.ts)
    if (s.ra[K_NOISE] > 0 && s.zA === 0) {
      if (ratio >= th.noiseClearRatio) s.rc[K_NOISE] = 0;
      else if (++s.rc[K_NOISE] >= th.noiseClearReadings) endNoiseEpisode(th, s, ts, base);
    }
  }
  if (s.ra[K_NOISE] > 0) {
    if (s.zA === 1) return false;
    const e = K_NOISE * EV;
    s.e[e] = ratio;
    s.e[e + 1] = s.fd;
    // what the ratio is of: the larger of the slow baseline and this hour's usual variation
    s.e[e + 2] = ref;
  } else if (s.fd < 1.5 * base && !r.longRun) {
    s.md += ((ad < 3 * base ? ad : 3 * base) - s.md) / 512;
  }
  return false;
}
