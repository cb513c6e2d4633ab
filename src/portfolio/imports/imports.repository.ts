import { and, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Database } from '../../db/database.js';
import { importPreviews, instruments, transactions } from '../../db/schema.js';
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
