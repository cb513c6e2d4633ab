import { and, asc, eq, getTableColumns, gt, inArray, or, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { portfolioAccounts, transactions } from '../db/schema.js';
import { Decimal } from './decimal.js';
import type { LedgerTransaction, TransactionType } from './ledger.js';
import type { TransactionInput } from './portfolio.schemas.js';
import { contentKey } from './transaction-input.js';

/** The ledger as the figures read it: SQL lives here, rows do not leave. */

export interface LedgerAccount {
  readonly id: string;
  readonly name: string;
  readonly currency: string;
}

export type TransactionRow = typeof transactions.$inferSelect;

/** The columns a ledger transaction is made of (not the owner, content key or timestamps: a Date parsed per row costs). */
const {
  userId: _owner,
  contentKey: _contentKey,
  createdAt: _created,
  updatedAt: _updated,
  ...ledgerColumns
} = getTableColumns(transactions);
type LedgerRow = { [K in keyof typeof ledgerColumns]: TransactionRow[K] };

export function toLedger(row: LedgerRow): LedgerTransaction {
  const decimal = (value: string | null) => (value === null ? null : new Decimal(value));
  return {
    id: row.id,
    entry: row.entry,
    accountId: row.accountId,
    type: row.type as TransactionType,
    symbol: row.symbol,
    quantity: decimal(row.quantity),
    price: decimal(row.price),
    amount: decimal(row.amount),
    fee: new Decimal(row.fee),
    tax: decimal(row.tax),
    currency: row.currency,
    date: row.date,
    fxRate: decimal(row.fxRate),
    split:
      row.splitTo !== null && row.splitFrom !== null
        ? { to: new Decimal(row.splitTo), from: new Decimal(row.splitFrom) }
        : null,
    note: row.note,
  };
}

/** A user's accounts and their transactions in ledger order (date, then entry), all or one account's. */
export async function loadLedger(
  db: Database,
  userId: string,
  accountId?: string,
): Promise<{ accounts: LedgerAccount[]; transactions: LedgerTransaction[] }> {
  const accountFilter = accountId
    ? and(eq(portfolioAccounts.userId, userId), eq(portfolioAccounts.id, accountId))
    : eq(portfolioAccounts.userId, userId);
  const accounts = await db
    .select({ id: portfolioAccounts.id, name: portfolioAccounts.name, currency: portfolioAccounts.currency })
    .from(portfolioAccounts)
    .where(accountFilter)
    .orderBy(asc(portfolioAccounts.name));
  const transactionFilter = accountId
    ? and(eq(transactions.userId, userId), eq(transactions.accountId, accountId))
    : eq(transactions.userId, userId);
  const rows = await db
    .select(ledgerColumns)
    .from(transactions)
    .where(transactionFilter)
    .orderBy(asc(transactions.date), asc(transactions.entry));
  return { accounts, transactions: rows.map(toLedger) };
}

/**
 * The user's transactions entered after `lastEntry` or changed after `lastChange` (a timestamp as
 * the database spelled it; '' for none), in ledger order: what a kept replay needs to know to be
 * continued rather than made again.
 */
export async function transactionsSince(
  db: Database,
  userId: string,
  lastEntry: number,
  lastChange: string,
): Promise<LedgerTransaction[]> {
  const changed =
    lastChange === '' ? sql`false` : sql`${transactions.updatedAt} > ${lastChange}::timestamptz`;
  const rows = await db
    .select(ledgerColumns)
    .from(transactions)
    .where(and(eq(transactions.userId, userId), or(gt(transactions.entry, lastEntry), changed)))
    .orderBy(asc(transactions.date), asc(transactions.entry));
  return rows.map(toLedger);
}

/** The columns of a checked input (its symbol upper-cased, its ratio split in two, its content key). */
export function transactionValues(userId: string, input: TransactionInput) {
  const [splitTo, splitFrom] = input.ratio ? input.ratio.split(':') : [null, null];
  return {
    userId,
    accountId: input.accountId,
    type: input.type,
    symbol: input.symbol?.toUpperCase() ?? null,
    quantity: input.quantity ?? null,
    price: input.price ?? null,
    amount: input.amount ?? null,
    fee: input.fee ?? '0',
    tax: input.tax ?? null,
    currency: input.currency,
    date: input.date,
    fxRate: input.fxRate ?? null,
    splitTo: splitTo ?? null,
    splitFrom: splitFrom ?? null,
    note: input.note ?? null,
    contentKey: contentKey(input),
  };
}

/** Rows per insert statement: 16 parameters each stays under PostgreSQL's 65,535 per statement. */
const INSERT_CHUNK = 2000;

/**
 * Inserts checked inputs in order (their entries follow that order); answers the rows. Call it in a
 * transaction when several chunks must land together.
 */
export async function insertTransactions(
  db: Database,
  userId: string,
  inputs: readonly TransactionInput[],
): Promise<TransactionRow[]> {
  const inserted: TransactionRow[] = [];
  for (let start = 0; start < inputs.length; start += INSERT_CHUNK) {
    const chunk = inputs.slice(start, start + INSERT_CHUNK);
    inserted.push(
      ...(await db
        .insert(transactions)
        .values(chunk.map((input) => transactionValues(userId, input)))
        .returning()),
    );
  }
  return inserted;
}

/** Which of these content keys the user's ledger already holds. */
export async function existingContentKeys(
  db: Database,
  userId: string,
  keys: readonly string[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectDistinct({ key: transactions.contentKey })
    .from(transactions)
    .where(and(eq(transactions.userId, userId), inArray(transactions.contentKey, [...keys])));
  return new Set(rows.map((row) => row.key));
}
