import { and, asc, count, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { instruments, watchlistItems } from '../db/schema.js';
import type { InstrumentInfo } from '../market/kernel/instruments.js';

export interface WatchlistRow {
  symbol: string;
  name: string;
  currency: string | null;
  addedAt: Date;
}

export async function listWatchlist(db: Database, userId: string): Promise<WatchlistRow[]> {
  return db
    .select({
      symbol: watchlistItems.symbol,
      name: instruments.name,
      currency: instruments.currency,
      addedAt: watchlistItems.addedAt,
    })
    .from(watchlistItems)
    .innerJoin(instruments, eq(instruments.symbol, watchlistItems.symbol))
    .where(eq(watchlistItems.userId, userId))
    .orderBy(asc(watchlistItems.addedAt), asc(watchlistItems.symbol));
}

export async function listWatchlistSymbols(db: Database, userId: string): Promise<string[]> {
  const rows = await db
    .select({ symbol: watchlistItems.symbol })
    .from(watchlistItems)
    .where(eq(watchlistItems.userId, userId));
  return rows.map((r) => r.symbol);
}

/** Every symbol on any watchlist, with how many watchlists hold it. */
export async function countWatchlistHolders(
  db: Database,
): Promise<Array<{ symbol: string; holders: number }>> {
  return db
    .select({ symbol: watchlistItems.symbol, holders: count() })
    .from(watchlistItems)
    .groupBy(watchlistItems.symbol);
}

export async function isOnWatchlist(db: Database, userId: string, symbol: string): Promise<boolean> {
  const rows = await db
    .select({ symbol: watchlistItems.symbol })
    .from(watchlistItems)
    .where(and(eq(watchlistItems.userId, userId), eq(watchlistItems.symbol, symbol)))
    .limit(1);
  return rows.length > 0;
}

export async function findInstrument(db: Database, symbol: string): Promise<InstrumentInfo | undefined> {
  const [row] = await db
    .select({
      symbol: instruments.symbol,
      name: instruments.name,
      exchange: instruments.exchange,
      currency: instruments.currency,
      type: instruments.type,
    })
    .from(instruments)
    .where(eq(instruments.symbol, symbol))
    .limit(1);
  return row;
}

/**
 * Records the instrument (if new) and the user's item in one transaction, so a failure leaves
 * neither. Returns undefined when the item already exists: the primary key decides, not a prior read.
 */
export async function addToWatchlist(
  db: Database,
  userId: string,
  instrument: InstrumentInfo,
): Promise<WatchlistRow | undefined> {
  return db.transaction(async (tx) => {
    await tx.insert(instruments).values(instrument).onConflictDoNothing({ target: instruments.symbol });
    const [item] = await tx
      .insert(watchlistItems)
      .values({ userId, symbol: instrument.symbol })
      .onConflictDoNothing()
      .returning({ addedAt: watchlistItems.addedAt });
    if (!item) return undefined;
    const stored = await tx
      .select({ name: instruments.name, currency: instruments.currency })
      .from(instruments)
      .where(eq(instruments.symbol, instrument.symbol));
    const info = stored[0] ?? instrument;
    return { symbol: instrument.symbol, name: info.name, currency: info.currency, addedAt: item.addedAt };
  });
}

export async function removeFromWatchlist(db: Database, userId: string, symbol: string): Promise<boolean> {
  const deleted = await db
    .delete(watchlistItems)
    .where(and(eq(watchlistItems.userId, userId), eq(watchlistItems.symbol, symbol)))
    .returning({ symbol: watchlistItems.symbol });
  return deleted.length > 0;
}
