import { inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { lastQuotes } from '../db/schema.js';
import type { Quote } from '../market/kernel/instruments.js';

/** numeric columns come back as strings: full precision on the way in, parsed once on the way out. */
const toNumeric = (value: number | null) => (value === null ? null : String(value));
const fromNumeric = (value: string | null) => (value === null ? null : Number(value));

/** Upserts the latest quote of each symbol in one statement. */
export async function saveLastQuotes(db: Database, quotes: Quote[], now: Date): Promise<void> {
  if (quotes.length === 0) return;
  await db
    .insert(lastQuotes)
    .values(
      quotes.map((q) => ({
        symbol: q.symbol,
        price: String(q.price),
        change: toNumeric(q.change),
        changePercent: toNumeric(q.changePercent),
        open: toNumeric(q.open),
        high: toNumeric(q.high),
        low: toNumeric(q.low),
        previousClose: toNumeric(q.previousClose),
        volume: toNumeric(q.volume),
        quotedAt: new Date(q.time),
        updatedAt: now,
      })),
    )
    .onConflictDoUpdate({
      target: lastQuotes.symbol,
      set: {
        price: sql`excluded.price`,
        change: sql`excluded.change`,
        changePercent: sql`excluded.change_percent`,
        open: sql`excluded.open`,
        high: sql`excluded.high`,
        low: sql`excluded.low`,
        previousClose: sql`excluded.previous_close`,
        volume: sql`excluded.volume`,
        quotedAt: sql`excluded.quoted_at`,
        updatedAt: sql`excluded.updated_at`,
      },
    });
}

export async function loadLastQuotes(
  db: Database,
  symbols?: string[],
): Promise<Array<{ quote: Quote; receivedAt: number }>> {
  const rows = await db
    .select()
    .from(lastQuotes)
    .where(symbols ? inArray(lastQuotes.symbol, symbols) : undefined);
  return rows.map((row) => ({
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
    },
    receivedAt: row.updatedAt.getTime(),
  }));
}
