/**
 * The one place for period arithmetic on epoch milliseconds (UTC): minutes, days and the buckets bars
 * are stored in. Every caller (hub, history, providers) uses these instead of dividing on its own.
 */

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * 60 * 1000;

/** Start of the period of length `size` (ms) that `time` falls in, counted from the epoch. */
export function bucketStart(time: number, size: number): number {
  return Math.floor(time / size) * size;
}

/** Start of the UTC minute `time` falls in. */
export function minuteStart(time: number): number {
  return bucketStart(time, MINUTE_MS);
}

/** Start of the UTC day `time` falls in. */
export function utcDayStart(time: number): number {
  return bucketStart(time, DAY_MS);
}

export function sameUtcDay(a: number, b: number): boolean {
  return utcDayStart(a) === utcDayStart(b);
}
