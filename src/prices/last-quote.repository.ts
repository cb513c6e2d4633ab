import { inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { lastQuotes } from '../db/schema.js';
import type { Quote } from '../market/kernel/instruments.js';
import { isSourceId } from '../market/kernel/sources.js';

/** numeric columns come back as strings: full precision on the way in, parsed once on the way out. */
const toNumeric = (value: number | null) => (value === null ? null : String(value));
const fromNumeric = (value: string | null) => (value === null ? null : Number(value));

/**
 * Upserts the latest quote of each symbol in one statement: each column is one array parameter
 * unnested by the database (a flush writes up to every watched symbol, 500 in the benchmark, every
 * 5 s; the query builder made thirteen parameters a row of them).
 */
export async function saveLastQuotes(db: Database, quotes: Quote[], now: Date): Promise<void> {
  if (quotes.length === 0) return;
  const column = <T>(value: (quote: Quote) => T) => sql.param(quotes.map(value));
  await db.execute(sql`
    insert into last_quotes (symbol, price, change, change_percent, open, high, low, previous_close,
      volume, quoted_at, source, delay_minutes, updated_at)
    select q.*, ${now.toISOString()}::timestamptz from unnest(
      ${column((q) => q.symbol)}::text[], ${column((q) => String(q.price))}::numeric[],
      ${column((q) => toNumeric(q.change))}::numeric[], ${column((q) => toNumeric(q.changePercent))}::numeric[],
      ${column((q) => toNumeric(q.open))}::numeric[], ${column((q) => toNumeric(q.high))}::numeric[],
      ${column((q) => toNumeric(q.low))}::numeric[], ${column((q) => toNumeric(q.previousClose))}::numeric[],
      ${column((q) => toNumeric(q.volume))}::numeric[],
      ${column((q) => new Date(q.time).toISOString())}::timestamptz[],
      ${column((q) => q.source ?? null)}::text[], ${column((q) => q.delayMinutes ?? null)}::integer[]
    ) as q
    on conflict (symbol) do update set
      price = excluded.price, change = excluded.change, change_percent = excluded.change_percent,
      open = excluded.open, high = excluded.high, low = excluded.low,
      previous_close = excluded.previous_close, volume = excluded.volume,
      quoted_at = excluded.quoted_at, source = excluded.source, delay_minutes = excluded.delay_minutes,
      updated_at = excluded.updated_at`);
}

export async function loadLastQuotes(
  db: Database,
  symbols?: string[],
): Promise<Array<{ quote: Quote; receivedAt: number }>> {
  const rows = await db
    .select()
    .from(lastQuotes)
    .where(symbols ? inArray(lastQuotes.symbol, symbols) : undefined);
  return rows.map((row) => {
    // A quote stored before sources were recorded (or naming a source this version no longer has)
    // says nothing about where it came from, rather than something wrong.
    const source = row.source !== null && isSourceId(row.source) ? row.source : undefined;
    return {
      quote: {
        symbol: row.symbol,
        price: Number(row.price),
        change: fromNumeric(row.change),
        changePercent: fromNumeric(row.changePercent),
        open: fromNumeric(row.open),
        high: fromNumeric(row.high),
        low: fromNumeric(row.low),
        previousClose: fromNumeric(row.previousClose),
        volume: fromNumeric(row.volume),
        time: row.quotedAt.getTime(),
        source,
        delayMinutes: source === undefined ? undefined : (row.delayMinutes ?? undefined),
      },
      receivedAt: row.updatedAt.getTime(),
    };
  });
}
