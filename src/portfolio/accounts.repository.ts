import { and, asc, count, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { portfolioAccounts, portfolioSettings, transactions } from '../db/schema.js';
import type { LedgerAccount } from './ledger.repository.js';
import type { PortfolioSettings } from './portfolio.schemas.js';

/** Accounts and portfolio settings: SQL lives here, rows do not leave. */

export interface AccountRow extends LedgerAccount {
  readonly transactionCount: number;
  readonly createdAt: Date;
}

const accountColumns = {
  id: portfolioAccounts.id,
  name: portfolioAccounts.name,
  currency: portfolioAccounts.currency,
  createdAt: portfolioAccounts.createdAt,
};

/** The user's accounts by name, with how many transactions each has. */
export function listAccounts(db: Database, userId: string): Promise<AccountRow[]> {
  return accountsWhere(db, eq(portfolioAccounts.userId, userId)).orderBy(asc(portfolioAccounts.name));
}

/** One of the user's accounts (undefined for another user's or none). */
export async function findAccount(db: Database, userId: string, id: string): Promise<AccountRow | undefined> {
  const rows = await accountsWhere(
    db,
    and(eq(portfolioAccounts.userId, userId), eq(portfolioAccounts.id, id)),
  );
  return rows[0];
}

function accountsWhere(db: Database, where: SQL | undefined) {
  return db
    .select({ ...accountColumns, transactionCount: count(transactions.id) })
    .from(portfolioAccounts)
    .leftJoin(transactions, eq(transactions.accountId, portfolioAccounts.id))
    .where(where)
    .groupBy(portfolioAccounts.id);
}

/**
 * Locks the user's accounts among `ids` until the end of the transaction `db` is (in id order, so two
 * writers never wait on each other in a circle); answers those found. Writes to one account's ledger
 * run one after the other: a sell cannot be checked against a ledger another write is changing.
 */
export async function lockAccounts(
  db: Database,
  userId: string,
  ids: readonly string[],
): Promise<LedgerAccount[]> {
  return db
    .select({ id: portfolioAccounts.id, name: portfolioAccounts.name, currency: portfolioAccounts.currency })
    .from(portfolioAccounts)
    .where(and(eq(portfolioAccounts.userId, userId), inArray(portfolioAccounts.id, [...ids])))
    .orderBy(asc(portfolioAccounts.id))
    .for('update');
}

export async function insertAccount(
  db: Database,
  userId: string,
  account: { name: string; currency: string },
): Promise<string> {
  const [row] = await db
    .insert(portfolioAccounts)
    .values({ userId, ...account })
    .returning({ id: portfolioAccounts.id });
  return (row as { id: string }).id;
}

export async function updateAccount(
  db: Database,
  id: string,
  changes: { name?: string; currency?: string },
): Promise<void> {
  await db
    .update(portfolioAccounts)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(portfolioAccounts.id, id));
}

/** Deletes the account; its transactions go with it (ON DELETE CASCADE). */
export async function deleteAccount(db: Database, id: string): Promise<void> {
  await db.delete(portfolioAccounts).where(eq(portfolioAccounts.id, id));
}

export async function accountTransactionCount(db: Database, id: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(transactions).where(eq(transactions.accountId, id));
  return row?.n ?? 0;
}

export async function readSettings(db: Database, userId: string): Promise<PortfolioSettings | undefined> {
  const [row] = await db
    .select({ baseCurrency: portfolioSettings.baseCurrency, costBasis: portfolioSettings.costBasis })
    .from(portfolioSettings)
    .where(eq(portfolioSettings.userId, userId));
  return row as PortfolioSettings | undefined;
}

export async function saveSettings(db: Database, userId: string, settings: PortfolioSettings): Promise<void> {
  await db
    .insert(portfolioSettings)
    .values({ userId, ...settings })
    .onConflictDoUpdate({
      target: portfolioSettings.userId,
      set: { ...settings, updatedAt: sql`now()` },
    });
}
