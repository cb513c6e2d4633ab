import { sql } from 'drizzle-orm';
import { type Database, selectRows } from '../db/database.js';
import { Decimal } from './decimal.js';
import type { DailyClose } from './fx.js';

/**
 * The daily closes of `symbols` from `fromDate` (YYYY-MM-DD) on, per symbol, oldest first: what
 * holdings are valued with on past days and what forex rates are read from. The stored closes are
 * floats; each is read as the shortest decimal that spells it (a price of 101.1 is "101.1").
 */
export async function loadDailyCloses(
  db: Database,
  symbols: readonly string[],
  fromDate: string,
): Promise<Map<string, DailyClose[]>> {
  const bySymbol = new Map<string, DailyClose[]>();
  if (symbols.length === 0) return bySymbol;
  const rows = await selectRows<{ symbol: string; day: string; close: number }>(
    db,
    sql`
    select symbol, to_char(start at time zone 'UTC', 'YYYY-MM-DD') as day, close
    from price_bars
    where resolution = '1d' and symbol = any(${sql.param([...symbols])}::text[])
      and start >= ${`${fromDate}T00:00:00Z`}::timestamptz
    order by symbol, start`,
  );
  for (const row of rows) {
    const closes = bySymbol.get(row.symbol) ?? [];
    closes.push({ date: row.day, close: new Decimal(String(Number(row.close))) });
    bySymbol.set(row.symbol, closes);
  }
  return bySymbol;
}
