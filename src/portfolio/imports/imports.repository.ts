import { and, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import { importPreviews, instruments, transactions } from '../../db/schema.js';
import { transactionValues } from '../ledger.repository.js';
import type { TransactionInput } from '../portfolio.schemas.js';
import type { ImportProblem, ImportRow } from './import-parse.js';

/** The import previews' SQL, and the few ledger reads only the import needs. */

export interface StoredPreview {
  rows: ImportRow[];
  errors: ImportProblem[];
}

export async function insertPreview(
  db: Database,
  values: {
    userId: string;
    accountId: string | undefined;
    fileName: string | undefined;
    rows: ImportRow[];
    errors: ImportProblem[];
    expiresAt: Date;
  },
): Promise<string> {
  const [row] = await db
    .insert(importPreviews)
    .values({ ...values, accountId: values.accountId ?? null, fileName: values.fileName ?? null })
    .returning({ id: importPreviews.id });
  if (!row) throw new Error('the preview was not stored');
  return row.id;
}

/**
 * Takes the caller's unexpired preview out of the table (in the caller's transaction: rolled back,
 * it is there again); a second commit of the same preview waits for the first and finds nothing.
 */
export async function takePreview(
  db: Database,
  userId: string,
  id: string,
  now: Date,
): Promise<StoredPreview | undefined> {
  const [row] = await db
    .delete(importPreviews)
    .where(
      and(eq(importPreviews.id, id), eq(importPreviews.userId, userId), gt(importPreviews.expiresAt, now)),
    )
    .returning({ rows: importPreviews.rows, errors: importPreviews.errors });
  return row ? { rows: row.rows as ImportRow[], errors: row.errors as ImportProblem[] } : undefined;
}

export async function deleteExpiredPreviews(db: Database, now: Date): Promise<number> {
  const deleted = await db
    .delete(importPreviews)
    .where(lte(importPreviews.expiresAt, now))
    .returning({ id: importPreviews.id });
  return deleted.length;
}

/** Which of `symbols` the instruments table knows (described before: no provider call needed). */
export async function knownInstruments(db: Database, symbols: readonly string[]): Promise<Set<string>> {
  if (symbols.length === 0) return new Set();
  const rows = await db
    .select({ symbol: instruments.symbol })
    .from(instruments)
    .where(inArray(instruments.symbol, [...symbols]));
  return new Set(rows.map((row) => row.symbol));
}

/**
 * How many transactions of the user's ledger have each of these content keys: a file may rightly
 * hold the same transaction twice (two identical fills), so duplicates are counted, not just seen.
 */
export async function contentKeyCounts(
  db: Database,
  userId: string,
  keys: readonly string[],
): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .select({ key: transactions.contentKey, count: sql<number>`count(*)::int` })
    .from(transactions)
    .where(
      and(
        eq(transactions.userId, userId),
        // One JSON parameter rather than one per key (10,000 of them for a large file).
        sql`${transactions.contentKey} in (select json_array_elements_text(${JSON.stringify([...new Set(keys)])}::json))`,
      ),
    )
    .groupBy(transactions.contentKey);
  return new Map(rows.map((row) => [row.key, Number(row.count)]));
}

/**
 * Inserts an import's checked inputs in order (their entries follow it), with the same columns as
 * the ledger's `insertTransactions`, but as one JSON parameter unpacked by the database: 10,000
 * rows are one statement instead of 160,000 bound parameters, several times faster on PGlite
 * (0.9 s against 3.4 s measured), and no rows are sent back. Call it in the commit's transaction.
 */
export async function insertImportedTransactions(
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
