/**
 * Calendar dates (日期) without time or zone, carried as `YYYY-MM-DD` strings. A JS Date would shift the day
 * by one at +08:00 (China Standard Time), so dates never pass through one. See DESIGN.md "Library facts".
 */
import { fail, pass, type RuleResult } from './rule';

/** The hub's time zone unless HUB_TIMEZONE says otherwise: China Standard Time. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** SQL for today's date (text YYYY-MM-DD) in the time zone bound to its `?`. */
export const TODAY_IN_ZONE_SQL = `(now() at time zone ?)::date`;

/** Earliest year a date may have. */
export const LOCAL_DATE_MIN_YEAR = 1900;

/** Latest year a date may have. */
export const LOCAL_DATE_MAX_YEAR = 2999;

/** Whether `year` is a leap year (闰年) of the Gregorian calendar. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in `month` (1–12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Parses a calendar date `YYYY-MM-DD` (trimmed) of a year from 1900 to 2999 and returns it unchanged.
 * Rules: `type` (not a string), `format` (not `YYYY-MM-DD`, e.g. with a time or zone), `date` (no such day,
 * such as 2026-02-29 or 2025-13-01, or a year out of range).
 */
export function parseLocalDate(input: unknown): RuleResult<string> {
  if (typeof input !== 'string') {
    return fail('type', `a date is a string YYYY-MM-DD, got ${input === null ? 'null' : `a value of type ${typeof input}`}`);
  }
  const text = input.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) {
    return fail('format', `a date is written YYYY-MM-DD without time or zone, such as "2024-02-29", got ${JSON.stringify(input)}`);
  }
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < LOCAL_DATE_MIN_YEAR || year > LOCAL_DATE_MAX_YEAR) {
    return fail('date', `the year of a date is from ${LOCAL_DATE_MIN_YEAR} to ${LOCAL_DATE_MAX_YEAR}, got "${text}"`);
  }
  if (month < 1 || month > 12) return fail('date', `"${text}" has no month ${match[2]}`);
  const days = daysInMonth(year, month);
  if (day < 1 || day > days) {
    return fail('date', `"${text}" is not a day of the calendar: ${match[1]}-${match[2]} has ${days} days`);
  }
  return pass(text);
}
