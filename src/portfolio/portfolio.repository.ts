import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { instruments, portfolioItems } from '../db/schema.js';
import type { InstrumentInfo } from '../market/types.js';

export interface PortfolioRow {
  symbol: string;
  name: string;
  currency: string | null;
  addedAt: Date;
}

export async function listPortfolio(db: Database, userId: string): Promise<PortfolioRow[]> {
  return db
    .select({
      symbol: portfolioItems.symbol,
      name: instruments.name,
      currency: instruments.currency,
      addedAt: portfolioItems.addedAt,
    })
    .from(portfolioItems)
    .innerJoin(instruments, eq(instruments.symbol, portfolioItems.symbol))
    .where(eq(portfolioItems.userId, userId))
    .orderBy(asc(portfolioItems.addedAt), asc(portfolioItems.symbol));
}

export async function listPortfolioSymbols(db: Database, userId: string): Promise<string[]> {
  const rows = await db
    .select({ symbol: portfolioItems.symbol })
    .from(portfolioItems)
    .where(eq(portfolioItems.userId, userId));
  return rows.map((r) => r.symbol);
}

export async function isInPortfolio(db: Database, userId: string, symbol: string): Promise<boolean> {
  const rows = await db
    .select({ symbol: portfolioItems.symbol })
    .from(portfolioItems)
    .where(and(eq(portfolioItems.userId, userId), eq(portfolioItems.symbol, symbol)))
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
export async function addToPortfolio(
  db: Database,
  userId: string,
  instrument: InstrumentInfo,
): Promise<PortfolioRow | undefined> {
  return db.transaction(async (tx) => {
    await tx.insert(instruments).values(instrument).onConflictDoNothing({ target: instruments.symbol });
    const [item] = await tx
      .insert(portfolioItems)
      .values({ userId, symbol: instrument.symbol })
      .onConflictDoNothing()
      .returning({ addedAt: portfolioItems.addedAt });
    if (!item) return undefined;
    const stored = await tx
      .select({ name: instruments.name, currency: instruments.currency })
      .from(instruments)
      .where(eq(instruments.symbol, instrument.symbol));
    const info = stored[0] ?? instrument;
    return { symbol: instrument.symbol, name: info.name, currency: info.currency, addedAt: item.addedAt };
  });
}

export async function removeFromPortfolio(db: Database, userId: string, symbol: string): Promise<boolean> {
  const deleted = await db
    .delete(portfolioItems)
    .where(and(eq(portfolioItems.userId, userId), eq(portfolioItems.symbol, symbol)))
    .returning({ symbol: portfolioItems.symbol });
  return deleted.length > 0;
}
