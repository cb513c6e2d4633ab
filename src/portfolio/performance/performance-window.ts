import type { PerformanceRange } from '../portfolio.schemas.js';

/**
 * The days a performance range covers. Dates are YYYY-MM-DD (UTC days) throughout; a range ends
 * today and is measured from the close of the day before its first day (exactly one month, six
 * months or a year before today; 31 December for `ytd`), or from nothing for `all`.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** Days since 1970-01-01 of a YYYY-MM-DD date. */
export function dayNumber(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

/** The YYYY-MM-DD date of a day number. */
export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return dateOfDay(dayNumber(date) + days);
}

/** The UTC date of an instant. */
export function utcDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** The same day `months` months earlier, clamped to the month's last day (31 March - 1 month = 28 or 29 February). */
function monthsBefore(date: string, months: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const index = year * 12 + (month - 1) - months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = index - targetYear * 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  return new Date(Date.UTC(targetYear, targetMonth, Math.min(day, lastDay))).toISOString().slice(0, 10);
}

/** The first day a range covers before the ledger is looked at; null for `all` (no bound). */
export function rangeFirstDay(range: PerformanceRange, today: string): string | null {
  switch (range) {
    case '1m':
      return addDays(monthsBefore(today, 1), 1);
    case '6m':
      return addDays(monthsBefore(today, 6), 1);
    case '1y':
      return addDays(monthsBefore(today, 12), 1);
    case 'ytd':
      return `${today.slice(0, 4)}-01-01`;
    case 'all':
      return null;
  }
}

/**
 * The days a range covers for a ledger whose first transaction is on `firstDate`: from the later of
 * the range's first day and that date, to today (an empty ledger, `firstDate` null: the range's own
 * days, today alone for `all`).
 */
export function performanceWindow(
  range: PerformanceRange,
  today: string,
  firstDate: string | null,
): { from: string; to: string } {
  const first = rangeFirstDay(range, today);
  if (firstDate === null) return { from: first ?? today, to: today };
  return { from: first !== null && first > firstDate ? first : firstDate, to: today };
}
