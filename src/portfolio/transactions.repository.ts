import { and, asc, count, desc, eq, gte, inArray, lte, type SQL, sql } from 'drizzle-orm';
import { type Database, selectRows } from '../db/database.js';
import { instruments, portfolioAccounts, portfolioSettings, transactions } from '../db/schema.js';
import { Decimal, decimalString } from './decimal.js';
import type { LedgerTransaction } from './ledger.js';
import { type TransactionRow, toLedger, transactionValues } from './ledger.repository.js';
import type { PortfolioExport, Transaction, TransactionInput } from './portfolio.schemas.js';

/** Transactions as the API lists and edits them: SQL lives here, rows do not leave. */

const decimalOrNull = (value: string | null) => (value === null ? null : decimalString(new Decimal(value)));

function toTransaction(row: TransactionRow): Transaction {
  return {
    id: row.id,
    accountId: row.accountId,
    type: row.type as Transaction['type'],
    symbol: row.symbol,
    quantity: decimalOrNull(row.quantity),
    price: decimalOrNull(row.price),
    amount: decimalOrNull(row.amount),
    fee: decimalString(new Decimal(row.fee)),
    tax: decimalOrNull(row.tax),
    currency: row.currency,
    date: row.date,
    fxRate: decimalOrNull(row.fxRate),
    ratio:
      row.splitTo === null || row.splitFrom === null
        ? null
        : `${decimalString(new Decimal(row.splitTo))}:${decimalString(new Decimal(row.splitFrom))}`,
    note: row.note,
    createdAt: row.createdAt.toISOString(),
  };
}

/** A stored transaction as the input that would write it again (for a partial change). */
export function asInput(transaction: Transaction): TransactionInput {
  const input: TransactionInput = {
    accountId: transaction.accountId,
    type: transaction.type,
    currency: transaction.currency,
    date: transaction.date,
  };
  if (transaction.symbol !== null) input.symbol = transaction.symbol;
  if (transaction.quantity !== null) input.quantity = transaction.quantity;
  if (transaction.price !== null) input.price = transaction.price;
  if (transaction.amount !== null) input.amount = transaction.amount;
  if (transaction.fee !== '0') input.fee = transaction.fee;
  if (transaction.tax !== null) input.tax = transaction.tax;
  if (transaction.fxRate !== null) input.fxRate = transaction.fxRate;
  if (transaction.ratio !== null) input.ratio = transaction.ratio;
  if (transaction.note !== null) input.note = transaction.note;
  return input;
}

export interface TransactionFilter {
  account?: string;
  symbol?: string;
  from?: string;
  to?: string;
}

/** A page of the user's transactions, newest first (date, then latest entered), and how many match. */
export async function listTransactions(
  db: Database,
  userId: string,
  filter: TransactionFilter,
  page: { page: number; pageSize: number },
): Promise<{ transactions: Transaction[]; total: number }> {
  const conditions: SQL[] = [eq(transactions.userId, userId)];
  if (filter.account) conditions.push(eq(transactions.accountId, filter.account));
  if (filter.symbol) conditions.push(eq(transactions.symbol, filter.symbol));
  if (filter.from) conditions.push(gte(transactions.date, filter.from));
  if (filter.to) conditions.push(lte(transactions.date, filter.to));
  const where = and(...conditions);
  const [counted] = await db.select({ n: count() }).from(transactions).where(where);
  const rows = await db
    .select()
    .from(transactions)
    .where(where)
    .orderBy(desc(transactions.date), desc(transactions.entry))
    .limit(page.pageSize)
    .offset((page.page - 1) * page.pageSize);
  return { transactions: rows.map(toTransaction), total: counted?.n ?? 0 };
}

/** The user's transactions of one symbol, oldest first (the holding's expansion). */
export async function symbolTransactions(
  db: Database,
  userId: string,
  symbol: string,
): Promise<Transaction[]> {
  const rows = await db
    .select()
    .from(transactions)
    .where(and(eq(transactions.userId, userId), eq(transactions.symbol, symbol)))
    .orderBy(asc(transactions.date), asc(transactions.entry));
  return rows.map(toTransaction);
}

/** One of the user's transactions, with its order of entry (undefined for another user's or none). */
export async function findTransaction(
  db: Database,
  userId: string,
  id: string,
): Promise<{ transaction: Transaction; entry: number } | undefined> {
  const [row] = await db
    .select()
    .from(transactions)
    .where(and(eq(transactions.userId, userId), eq(transactions.id, id)));
  return row ? { transaction: toTransaction(row), entry: row.entry } : undefined;
}

/** What units a write could change: the user's transactions of `symbol` in these accounts, in ledger order. */
export async function positionLedger(
  db: Database,
  userId: string,
  accountIds: readonly string[],
  symbol: string,
): Promise<LedgerTransaction[]> {
  const rows = await db
    .select()
    .from(transactions)
    .where(
      and(
        eq(transactions.userId, userId),
        inArray(transactions.accountId, [...accountIds]),
        eq(transactions.symbol, symbol),
      ),
    )
    .orderBy(asc(transactions.date), asc(transactions.entry));
  return rows.map(toLedger);
}

export async function insertTransaction(
  db: Database,
  userId: string,
  input: TransactionInput,
): Promise<Transaction> {
  const [row] = await db.insert(transactions).values(transactionValues(userId, input)).returning();
  return toTransaction(row as TransactionRow);
}

export async function replaceTransaction(
  db: Database,
  userId: string,
  id: string,
  input: TransactionInput,
): Promise<Transaction> {
  const [row] = await db
    .update(transactions)
    .set({ ...transactionValues(userId, input), updatedAt: sql`now()` })
    .where(eq(transactions.id, id))
    .returning();
  return toTransaction(row as TransactionRow);
}

export async function deleteTransaction(db: Database, id: string): Promise<void> {
  await db.delete(transactions).where(eq(transactions.id, id));
}

/**
 * The units-moving transactions (buys, sells, splits) of one user or of everyone, in ledger order per
 * user, with only the columns a replay of quantities reads: what the market demand for held
 * symbols is computed from.
 */
export async function quantityLedgers(
  db: Database,
  userId?: string,
): Promise<Map<string, LedgerTransaction[]>> {
  const rows = await selectRows<{
    user_id: string;
    account_id: string;
    type: LedgerTransaction['type'];
    symbol: string;
    quantity: string | null;
    split_to: string | null;
    split_from: string | null;
    entry: string;
    date: string;
  }>(
    db,
    sql`
    select user_id, account_id, type, symbol, quantity::text as quantity, split_to::text as split_to,
      split_from::text as split_from, entry::text as entry, to_char(date, 'YYYY-MM-DD') as date
    from transactions
    where type in ('buy', 'sell', 'split') ${userId ? sql`and user_id = ${userId}` : sql``}
    order by user_id, date, entry`,
  );
  const byUser = new Map<string, LedgerTransaction[]>();
  for (const row of rows) {
    const list = byUser.get(row.user_id) ?? [];
    list.push({
      id: '',
      entry: Number(row.entry),
      accountId: row.account_id,
      type: row.type,
      symbol: row.symbol,
      quantity: row.quantity === null ? null : new Decimal(row.quantity),
      price: null,
      amount: null,
      fee: new Decimal(0),
      tax: null,
      currency: '',
      date: row.date,
      fxRate: null,
      split:
        row.split_to === null || row.split_from === null
          ? null
          : { to: new Decimal(row.split_to), from: new Decimal(row.split_from) },
      note: null,
    });
    byUser.set(row.user_id, list);
  }
  return byUser;
}

/** Every currency a user's accounts, transactions and base currency use, per user (one user's, or everyone's). */
export async function currenciesInUse(db: Database, userId?: string): Promise<Map<string, Set<string>>> {
  const rows = await selectRows<{ user_id: string; currency: string }>(
    db,
    sql`
    select user_id, currency from ${portfolioAccounts} ${userId ? sql`where user_id = ${userId}` : sql``}
    union
    select user_id, currency from ${transactions} ${userId ? sql`where user_id = ${userId}` : sql``}
    union
    select user_id, base_currency from ${portfolioSettings} ${userId ? sql`where user_id = ${userId}` : sql``}`,
  );
  const byUser = new Map<string, Set<string>>();
  for (const row of rows) {
    const set = byUser.get(row.user_id) ?? new Set<string>();
    set.add(row.currency);
    byUser.set(row.user_id, set);
  }
  return byUser;
}

/** The names of the instruments the app knows among `symbols`. */
export async function instrumentNames(
  db: Database,
  symbols: readonly string[],
): Promise<Map<string, string>> {
  if (symbols.length === 0) return new Map();
  const rows = await db
    .select({ symbol: instruments.symbol, name: instruments.name })
    .from(instruments)
    .where(inArray(instruments.symbol, [...symbols]));
  return new Map(rows.map((row) => [row.symbol, row.name]));
}

/** The user's portfolio as their data export holds it: settings, accounts, and every transaction as entered. */
export async function portfolioExport(db: Database, userId: string): Promise<PortfolioExport> {
  const [settings] = await db
    .select({ baseCurrency: portfolioSettings.baseCurrency, costBasis: portfolioSettings.costBasis })
    .from(portfolioSettings)
    .where(eq(portfolioSettings.userId, userId));
  const accounts = await db
    .select({
      id: portfolioAccounts.id,
      name: portfolioAccounts.name,
      currency: portfolioAccounts.currency,
      createdAt: portfolioAccounts.createdAt,
    })
    .from(portfolioAccounts)
    .where(eq(portfolioAccounts.userId, userId))
    .orderBy(asc(portfolioAccounts.createdAt));
  const rows = await db
    .select()
    .from(transactions)
    .where(eq(transactions.userId, userId))
    .orderBy(asc(transactions.date), asc(transactions.entry));
  return {
    settings: (settings as PortfolioExport['settings'] | undefined) ?? null,
    accounts: accounts.map((account) => ({ ...account, createdAt: account.createdAt.toISOString() })),
    transactions: rows.map(toTransaction),
  };
}

/** What a user's ledger is now: `key` changes whenever a transaction or an account is added, changed or deleted. */
export interface LedgerVersion {
  /** A cached replay is valid while this is the same (on any instance). */
  readonly key: string;
  /** The user's transactions, how many, the last entry and the latest change (the database's text). */
  readonly count: number;
  readonly lastEntry: number;
  readonly lastChange: string;
  /** The accounts' part of the key. */
  readonly accounts: string;
}

export async function ledgerVersion(db: Database, userId: string): Promise<LedgerVersion> {
  const [row] = await selectRows<{
    count: number;
    last_entry: number;
    last_change: string;
    accounts: string;
  }>(
    db,
    sql`
    select count(*)::int as count, coalesce(max(entry), 0)::float8 as last_entry,
      coalesce(max(updated_at)::text, '') as last_change,
      (select count(*) || ':' || coalesce(max(updated_at)::text, '')
        from ${portfolioAccounts} where user_id = ${userId}) as accounts
    from ${transactions} where user_id = ${userId}`,
  );
  const count = Number(row?.count ?? 0);
  const lastEntry = Number(row?.last_entry ?? 0);
  const lastChange = row?.last_change ?? '';
  const accounts = row?.accounts ?? '';
  return { key: `${count}:${lastEntry}:${lastChange}|${accounts}`, count, lastEntry, lastChange, accounts };
}
