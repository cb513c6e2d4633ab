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

/**
 * Inserts checked inputs in order (their entries follow it) as one JSON parameter unpacked by the
 * database: 10,000 rows are one statement instead of 160,000 bound parameters, several times faster
 * on PGlite (0.9 s against 3.4 s measured for an import), and no rows are sent back.
 */
export async function insertTransactions(
  db: Database,
  userId: string,
  inputs: readonly TransactionInput[],
): Promise<void> {
  if (inputs.length === 0) return;
  const rows = JSON.stringify(inputs.map((input) => transactionValues(userId, input)));
  await db.execute(sql`
    insert into transactions (user_id, account_id, type, symbol, quantity, price, amount, fee, tax,
      currency, date, fx_rate, split_to, split_from, note, content_key)
    select r."userId"::uuid, r."accountId"::uuid, r.type, r.symbol, r.quantity::numeric,
      r.price::numeric, r.amount::numeric, r.fee::numeric, r.tax::numeric, r.currency, r.date::date,
      r."fxRate"::numeric, r."splitTo"::numeric, r."splitFrom"::numeric, r.note, r."contentKey"
    from rows from (json_to_recordset(${rows}::json) as (
      "userId" text, "accountId" text, type text, symbol text, quantity text, price text,
      amount text, fee text, tax text, currency text, date text, "fxRate" text, "splitTo" text,
      "splitFrom" text, note text, "contentKey" text
    )) with ordinality as r("userId", "accountId", type, symbol, quantity, price, amount, fee, tax,
      currency, date, "fxRate", "splitTo", "splitFrom", note, "contentKey", position)
    order by r.position`);
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
