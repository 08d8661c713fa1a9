// Every time the app shows goes through here: the browser's locale (its own order,
// 12- or 24-hour clock) and the browser's time zone, named on the page by
// `timeZoneLabel()`. Nothing forces a US format; tests pass a locale and zone.
export interface TimeFormatOptions {
  locale?: string;
  timeZone?: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(options: Intl.DateTimeFormatOptions, o: TimeFormatOptions = {}): Intl.DateTimeFormat {
  const key = JSON.stringify([o.locale ?? '', o.timeZone ?? '', options]);
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(o.locale, { ...options, ...(o.timeZone ? { timeZone: o.timeZone } : {}) });
    formatters.set(key, f);
  }
  return f;
}

type When = string | number | Date;
const toDate = (when: When) => (when instanceof Date ? when : new Date(when));

/** "7 Dec 2026, 09:20" (en-GB) / "Dec 7, 2026, 9:20 AM" (en-US): a full moment. */
export function formatDateTime(when: When, o?: TimeFormatOptions): string {
  return formatter({ dateStyle: 'medium', timeStyle: 'short' }, o).format(toDate(when));
}

/** As formatDateTime, with seconds. */
export function formatDateTimeSeconds(when: When, o?: TimeFormatOptions): string {
  return formatter({ dateStyle: 'medium', timeStyle: 'medium' }, o).format(toDate(when));
}

/** "09:20" / "9:20 AM". */
export function formatTime(when: When, o?: TimeFormatOptions): string {
  return formatter({ timeStyle: 'short' }, o).format(toDate(when));
}

/** "09:20:05" / "9:20:05 AM". */
export function formatTimeSeconds(when: When, o?: TimeFormatOptions): string {
  return formatter({ timeStyle: 'medium' }, o).format(toDate(when));
}

/** "7 Dec" / "Dec 7". */
export function formatDay(when: When, o?: TimeFormatOptions): string {
  return formatter({ day: 'numeric', month: 'short' }, o).format(toDate(when));
}

/** "7 Dec, 09:20": a moment within the last months, without the year. */
export function formatDayTime(when: When, o?: TimeFormatOptions): string {
  return formatter({ day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' }, o).format(toDate(when));
}

/** Whether two moments fall on the same calendar day in the zone. */
export function sameDay(a: When, b: When, o?: TimeFormatOptions): boolean {
  const day = formatter({ year: 'numeric', month: 'numeric', day: 'numeric' }, o);
  return day.format(toDate(a)) === day.format(toDate(b));
}

/** Today: the time only; another day: date and time. */
export function formatRecent(when: When, now: number = Date.now(), o?: TimeFormatOptions): string {
  const d = toDate(when);
  return sameDay(d, now, o) ? formatTimeSeconds(d, o) : formatDateTime(d, o);
}

/** The zone's IANA name (e.g. "Europe/Berlin"). */
export function timeZoneName(o?: TimeFormatOptions): string {
  return o?.timeZone ?? formatter({}, o).resolvedOptions().timeZone;
}

/** "Europe/Berlin (UTC+1)": what the page says its times are in. */
export function timeZoneLabel(at: When = Date.now(), o?: TimeFormatOptions): string {
  const name = timeZoneName(o);
  const part = formatter({ timeZoneName: 'shortOffset' }, { ...o, locale: 'en-US' })
    .formatToParts(toDate(at))
    .find((p) => p.type === 'timeZoneName')?.value;
  const offset = part?.replace('GMT', 'UTC').replace(/^UTC[+-]0$/, 'UTC');
  return offset && offset !== name ? `${name} (${offset})` : name;
}

/**
 * Labels for a time axis whose ticks are `increment` ms apart: seconds when ticks are
 * seconds apart, times within a day (with the date where the day changes), days beyond.
 */
export function axisLabels(ticksMs: readonly number[], incrementMs: number, o?: TimeFormatOptions): string[] {
  const dayOf = formatter({ year: 'numeric', month: 'numeric', day: 'numeric' }, o);
  let previousDay = '';
  return ticksMs.map((t, i) => {
    if (incrementMs >= 86_400_000) return formatDay(t, o);
    const time = incrementMs < 60_000 ? formatTimeSeconds(t, o) : formatTime(t, o);
    const day = dayOf.format(t);
    const first = i === 0 || day !== previousDay;
    previousDay = day;
    return first ? `${time}\n${formatDay(t, o)}` : time;
  });
}

/** A `datetime-local` input's value (local time, minutes) for a moment. */
export function toLocalInput(when: When): string {
  const d = toDate(when);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The moment a `datetime-local` value names in the browser's zone; null when empty or invalid. */
export function fromLocalInput(value: string): Date | null {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value)) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}
