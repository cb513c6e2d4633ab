import { combineBars } from '../../kernel/combine-bars.js';
import type { Bar, ProviderHistory } from '../../kernel/instruments.js';
import { DAY_MS, MINUTE_MS, minuteStart, utcDayStart } from '../../kernel/periods.js';

export interface PastParams {
  random: () => number;
  /** The smallest price step. */
  tick: number;
  dailyVolatility: number;
  /** Typical units traded per minute. */
  minuteVolume: number;
  /** The price the past leads up to, at `endTime`. */
  endPrice: number;
  endTime: number;
}

/** Days of 1-minute bars before the current one (the four before today, and today so far). */
const MINUTE_DAYS = 4;
const DAILY_DAYS = 365;

/**
 * A plausible past that ends exactly at today's price: 1-minute bars from the start of the UTC day
 * four days back up to the minute before `endTime`, and a year of daily bars before and including
 * those days. It is walked backwards from the end, so it meets the present without a jump; within a
 * day each bar opens at the previous close, and each day opens with a small gap. Like the live simulation it trades around the clock.
 */
export function simulatePast(params: PastParams): ProviderHistory {
  const { random, dailyVolatility, minuteVolume } = params;
  const round = (value: number) => roundTo(value, params.tick);
  const endMinute = minuteStart(params.endTime);
  const firstMinute = utcDayStart(params.endTime) - MINUTE_DAYS * DAY_MS;

  const minute: Bar[] = [];
  let price = params.endPrice;
  const minuteSigma = dailyVolatility / Math.sqrt(24 * 60);
  for (let time = endMinute - MINUTE_MS; time >= firstMinute; time -= MINUTE_MS) {
    minute.push(barEndingAt(time, price, minuteSigma, Math.round(minuteVolume * (0.3 + random() * 1.4))));
    price = minute[minute.length - 1]?.open ?? price;
    // A day opens a little away from the previous close, as markets do after the night.
    if (time % DAY_MS === 0) price = round(price / (1 + (dailyVolatility / 4) * gaussian(random)));
  }
  minute.reverse();

  const daily: Bar[] = [];
  for (let day = firstMinute - DAY_MS; day > firstMinute - DAILY_DAYS * DAY_MS; day -= DAY_MS) {
    daily.push(barEndingAt(day, price, dailyVolatility, Math.round(minuteVolume * 1440 * (0.5 + random()))));
    price = daily[daily.length - 1]?.open ?? price;
  }
  daily.reverse();
  const today = utcDayStart(params.endTime);
  for (let day = firstMinute; day < today; day += DAY_MS) {
    const bar = combineBars(
      day,
      minute.filter((m) => m.time >= day && m.time < day + DAY_MS),
    );
    if (bar) daily.push(bar);
  }
  return { daily, minute };

  function barEndingAt(time: number, close: number, sigma: number, volume: number): Bar {
    const open = round(close / (1 + sigma * gaussian(random)));
    const wick = () => Math.abs(gaussian(random)) * sigma * 0.4;
    return {
      time,
      open,
      high: round(Math.max(open, close) * (1 + wick())),
      low: round(Math.min(open, close) * (1 - wick())),
      close,
      volume,
    };
  }
}

/** Rounds to a multiple of `tick`, without binary noise such as 223.61000000000001. */
export function roundTo(value: number, tick: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(tick)));
  return Number((Math.round(value / tick) * tick).toFixed(decimals));
}

/** Standard normal variate (Box-Muller) from a uniform source. */
export function gaussian(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
