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
 * The rates the figures are computed with, for `currencies` from `firstDate` on: each day's from the
 * stored daily forex closes (the nearest earlier day), today's from the live forex quotes (the
 * latest close when none is live). A date before any stored close uses today's rate. A pair with no
 * rate at all is a 400 `fx_rate_required` naming `field`.
 */
export async function marketRates(
  db: Database,
  hub: PriceHub,
  options: { currencies: Iterable<string>; firstDate: string; today: string; field: string },
): Promise<Rates> {
  const symbols = [...new Set([...options.currencies].flatMap(fxPairSymbols))];
  const closes = await loadDailyCloses(db, symbols, daysBefore(options.firstDate, LOOKBACK_DAYS));
  const withLive = new Map<string, DailyClose[]>();
  for (const symbol of symbols) {
    const stored = closes.get(symbol) ?? [];
    const live = hub.peek(symbol)?.quote.price;
    withLive.set(
      symbol,
      live && live > 0
        ? [
            ...stored.filter((close) => close.date < options.today),
            { date: options.today, close: new Decimal(String(live)) },
          ]
        : stored,
    );
  }
  const table = new FxTable(withLive);
  const cache = new Map<string, Decimal>();
  const now = (from: string, to: string): Decimal => {
    const key = `${from}>${to}`;
    let rate = cache.get(key);
    if (!rate) {
      const found = table.rate(from, to, options.today);
      if (!found) {
        throw new AppError('fx_rate_required', `No exchange rate from ${from} to ${to} is known yet.`, {
          [options.field]: [`No exchange rate from ${from} to ${to} is known yet.`],
        });
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
