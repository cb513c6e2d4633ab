import { sql } from 'drizzle-orm';
import { type Database, selectRows } from '../../db/database.js';
import { type PriceHistory, priceHistory } from './price-history.js';

/**
 * The daily closes that value each symbol from its date in `fromDates` (YYYY-MM-DD) on: the latest
 * close before that date and every close since, per symbol, oldest first.
 *
 * Each symbol is one range of the price_bars primary key (symbol, resolution, start), from one probe
 * backwards for the latest close before its date, and comes back as one row of two arrays: its day
 * numbers (days since 1970-01-01, UTC) and its closes (a row per bar through the driver cost about
 * 9 µs on PGlite; no date text or timestamp is made per bar). A close is a double, read exactly
 * (PostgreSQL writes a double's shortest round-trip digits) and spelled as the shortest decimal that
 * reads back as it (`String(number)`).
 */
export async function loadPriceHistories(
  db: Database,
  fromDates: ReadonlyMap<string, string>,
): Promise<Map<string, PriceHistory>> {
  const histories = new Map<string, PriceHistory>();
  if (fromDates.size === 0) return histories;
  // Two hundred lateral aggregates are estimated past jit_above_cost, and PostgreSQL then spends
  // longer compiling the query (about 100 ms for five years of closes) than running it.
  const rows = await db.transaction(async (tx) => {
    await tx.execute(sql`set local jit = off`);
    return selectRows<{ symbol: string; days: number[] | null; closes: number[] | null }>(
      tx as unknown as Database,
      sql`
    select s.symbol, b.days, b.closes
    from unnest(
      ${sql.param([...fromDates.keys()])}::text[],
      ${sql.param([...fromDates.values()].map((date) => `${date}T00:00:00Z`))}::timestamptz[]
    ) as s(symbol, from_start)
    cross join lateral (
      select
        array_agg((start at time zone 'UTC')::date - date '1970-01-01' order by start) as days,
        array_agg(close order by start) as closes
      from price_bars
      where symbol = s.symbol and resolution = '1d'
        and start >= coalesce(
          (select max(start) from price_bars
           where symbol = s.symbol and resolution = '1d' and start < s.from_start),
          s.from_start)
    ) as b`,
    );
  });
  for (const { symbol, days, closes } of rows) {
    if (days !== null && closes !== null)
      histories.set(
        symbol,
        priceHistory(
          days,
          closes.map((close) => String(Number(close))),
        ),
      );
  }
  return histories;
}
