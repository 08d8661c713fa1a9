import { describe, expect, it } from 'vitest';
import { axisLabels, formatDateTime, formatTime, fromLocalInput, timeZoneLabel, toLocalInput } from './time-format';

const AT = Date.UTC(2026, 11, 7, 8, 20, 5); // 09:20:05 in Berlin

describe('time formatting', () => {
  it('follows the locale: a 24-hour clock in German and British English, 12-hour only where the locale says so', () => {
    const berlin = { timeZone: 'Europe/Berlin' };
    expect(formatTime(AT, { ...berlin, locale: 'de-DE' })).toBe('09:20');
    expect(formatTime(AT, { ...berlin, locale: 'en-GB' })).toBe('09:20');
    expect(formatTime(AT, { ...berlin, locale: 'en-US' })).toMatch(/^9:20\s?AM$/);
    expect(formatDateTime(AT, { ...berlin, locale: 'de-DE' })).toBe('07.12.2026, 09:20');
    expect(formatDateTime(AT, { ...berlin, locale: 'en-GB' })).toBe('7 Dec 2026, 09:20');
  });

  it('names the zone with its offset at that moment', () => {
    expect(timeZoneLabel(AT, { timeZone: 'Europe/Berlin' })).toBe('Europe/Berlin (UTC+1)');
    expect(timeZoneLabel(Date.UTC(2026, 6, 1), { timeZone: 'Europe/Berlin' })).toBe('Europe/Berlin (UTC+2)');
    expect(timeZoneLabel(AT, { timeZone: 'UTC' })).toBe('UTC');
  });

  it('labels axis ticks by their spacing, with the date where the day changes', () => {
    const o = { timeZone: 'Europe/Berlin', locale: 'de-DE' };
    const hours = [0, 6, 12, 18, 24].map((h) => Date.UTC(2026, 11, 6, 23) + h * 3_600_000);
    expect(axisLabels(hours, 6 * 3_600_000, o)).toEqual([
      '00:00\n7. Dez.',
      '06:00',
      '12:00',
      '18:00',
      '00:00\n8. Dez.',
    ]);
    expect(axisLabels([AT], 10_000, o)).toEqual(['09:20:05\n7. Dez.']);
    expect(axisLabels([AT], 86_400_000, o)).toEqual(['7. Dez.']);
  });

  it('round-trips a datetime-local value in the browser zone', () => {
    const d = fromLocalInput(toLocalInput(AT))!;
    expect(Math.abs(d.getTime() - AT)).toBeLessThan(60_000);
    expect(fromLocalInput('')).toBeNull();
    expect(fromLocalInput('yesterday')).toBeNull();
  });
});
