import { Decimal } from 'decimal.js';
import type { Bar, Quote } from '../../kernel/instruments.js';
import { isBinanceSymbol } from '../../kernel/symbols.js';

/**
 * How Binance writes what the app reads, shared by its REST source and its stream: pairs
 * (BINANCE:BTCUSDT is `BTCUSDT` over REST and `btcusdt` in stream names), prices and quantities as
 * decimal strings ("0.00100000"), candles as arrays.
 */

const PREFIX = 'BINANCE:';
/** Spot pairs as Binance lists them: upper-case letters and digits (BTCUSDT, 1INCHUSDT). */
const PAIR_PATTERN = /^[A-Z0-9]{2,20}$/;
/** Binance's prices and quantities are plain non-negative decimals; anything else is no number. */
const DECIMAL_PATTERN = /^\d+(?:\.\d+)?$/;

/** The Binance pair of an app symbol (BINANCE:BTCUSDT -> BTCUSDT); null when it names none. */
export function binancePair(symbol: string): string | null {
  if (!isBinanceSymbol(symbol)) return null;
  const pair = symbol.slice(PREFIX.length);
  return PAIR_PATTERN.test(pair) ? pair : null;
}

/** The app symbol of a pair Binance sends (BTCUSDT -> BINANCE:BTCUSDT). */
export function appSymbol(pair: string): string {
  return `${PREFIX}${pair}`;
}

/** The streams a symbol is carried by: each of its trades, and its UTC day's candle (for full quotes). */
export function streamsOf(pair: string): [string, string] {
  const name = pair.toLowerCase();
  return [`${name}@trade`, `${name}@kline_1d`];
}

/** A decimal string as Binance sends it, as a number; null for anything else (never NaN, never a guess). */
export function decimal(value: unknown): number | null {
  if (typeof value !== 'string' || !DECIMAL_PATTERN.test(value)) return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

/** A decimal string that is a usable price: finite and above zero. */
export function price(value: unknown): number | null {
  const number = decimal(value);
  return number !== null && number > 0 ? number : null;
}

/** Epoch milliseconds as Binance sends them (an integer); null for anything else. */
export function epochMs(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : null;
}

/** One UTC day's candle as Binance gives it (decimal strings), from a stream frame or a REST row. */
export interface DayCandle {
  open: unknown;
  high: unknown;
  low: unknown;
  close: unknown;
  volume: unknown;
}

/**
 * The quote of `symbol` from its UTC day's candle, stamped `time`; null when the candle has no usable
 * open or close.
 *
 * Crypto trades around the clock, so "previous close" is a choice. Here it is the price the current
 * UTC day opened at (its first trade after 00:00 UTC, which continues from the day before's last):
 * the day is the UTC day everywhere else in the app (the hub's day volume, the daily bars history
 * stores, Binance's own 1d candles), so the change shown is today's bar on the chart, and the
 * volume is the UTC day's, which the hub merges with the trades it summed itself. Binance's 24-hour
 * rolling figures (miniTicker, /ticker/24hr) would make the change a 24-hour one and the volume a
 * rolling sum that falls as old trades leave the window, which the hub would misread.
 */
export function quoteFromDay(symbol: string, day: DayCandle, time: number): Quote | null {
  const open = price(day.open);
  const close = price(day.close);
  if (open === null || close === null) return null;
  // Exact decimal arithmetic on Binance's strings: 0.3 - 0.1 is 0.2, not 0.19999999999999998.
  const change = new Decimal(day.close as string).minus(day.open as string);
  return {
    symbol,
    price: close,
    change: change.toNumber(),
    changePercent: change
      .div(day.open as string)
      .times(100)
      .toDecimalPlaces(6)
      .toNumber(),
    open,
    high: price(day.high),
    low: price(day.low),
    previousClose: open,
    volume: decimal(day.volume),
    time,
    source: 'binance',
    delayMinutes: 0,
  };
}

/**
 * One bar from a REST kline row `[openTime, open, high, low, close, volume, closeTime, ...]`; null
 * for a row that is not one (a price that is no positive decimal, a missing time).
 */
export function barFromKline(row: unknown): Bar | null {
  if (!Array.isArray(row) || row.length < 6) return null;
  const time = epochMs(row[0]);
  const open = price(row[1]);
  const high = price(row[2]);
  const low = price(row[3]);
  const close = price(row[4]);
  const volume = decimal(row[5]);
  if (time === null || open === null || high === null || low === null || close === null || volume === null) {
    return null;
  }
  if (high < low) return null;
  return { time, open, high, low, close, volume };
}
