import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { PriceHub } from '../prices/price-hub.js';
import { loadDailyCloses } from './daily-closes.repository.js';
import { Decimal } from './decimal.js';
import { type DailyClose, FxTable, fxPairSymbols } from './fx.js';
import type { Rates } from './holdings.js';

/** Days before a ledger's first date whose forex closes are read, so its first day finds an earlier one. */
const LOOKBACK_DAYS = 14;

function daysBefore(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The stored daily closes of the forex pairs `currencies` convert with, from a little before
 * `firstDate`; a pair with none stored is there empty (it may still be quoted live).
 */
export async function loadForexCloses(
  db: Database,
  currencies: Iterable<string>,
  firstDate: string,
): Promise<Map<string, DailyClose[]>> {
  const symbols = [...new Set([...currencies].flatMap(fxPairSymbols))];
  const closes = await loadDailyCloses(db, symbols, daysBefore(firstDate, LOOKBACK_DAYS));
  for (const symbol of symbols) if (!closes.has(symbol)) closes.set(symbol, []);
  return closes;
}

/**
 * The rates the figures are computed with: each day's from the stored daily forex closes (the
 * nearest earlier day), today's from the hub's live forex quotes (the latest close when none is
 * live). A date before any stored close uses today's rate. A pair with no rate at all is a 400
 * `fx_rate_required` naming `field`. No I/O: the closes are given.
 */
export function ratesFrom(
  closes: ReadonlyMap<string, readonly DailyClose[]>,
  hub: PriceHub,
  options: { today: string; field: string },
): Rates {
  const withLive = new Map<string, readonly DailyClose[]>(closes);
  for (const [symbol, stored] of closes) {
    const live = hub.peek(symbol)?.quote.price;
    if (live && live > 0) {
      withLive.set(symbol, [
        ...stored.filter((close) => close.date < options.today),
        { date: options.today, close: new Decimal(String(live)) },
      ]);
    }
  }
  const table = new FxTable(withLive);
  const cache = new Map<string, Decimal>();
  const now = (from: string, to: string): Decimal => {
    const key = `${from}>${to}`;
    let rate = cache.get(key);
    if (!rate) {
      const found = table.rate(from, to, options.today);
      if (!found) {
        const message = `No exchange rate from ${from} to ${to} is known yet.`;
        throw new AppError('fx_rate_required', message, { [options.field]: [message] });
      }
      rate = found;
      cache.set(key, rate);
    }
    return rate;
  };
  return {
    now,
    at: (from, to, date) => {
      const key = `${from}>${to}@${date}`;
      let rate = cache.get(key);
      if (!rate) {
        rate = table.rate(from, to, date) ?? now(from, to);
        cache.set(key, rate);
      }
      return rate;
    },
  };
}

/** The stored rate of `from` in `to` on `date` (nearest earlier day), or null: what a write may rely on. */
export async function storedRate(
  db: Database,
  from: string,
  to: string,
  date: string,
): Promise<Decimal | null> {
  const closes = await loadDailyCloses(db, [...fxPairSymbols(from), ...fxPairSymbols(to)], '1970-01-01');
  return new FxTable(closes).rate(from, to, date);
}
