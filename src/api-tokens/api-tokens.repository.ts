import { and, desc, eq, gt, isNull, or } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { apiTokens, users } from '../db/schema.js';

export interface ApiTokenRecord {
  id: string;
  userId: string;
  name: string;
  scopes: string[];
  lastFour: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
}

const recordColumns = {
  id: apiTokens.id,
  userId: apiTokens.userId,
  name: apiTokens.name,
  scopes: apiTokens.scopes,
  lastFour: apiTokens.lastFour,
  createdAt: apiTokens.createdAt,
  lastUsedAt: apiTokens.lastUsedAt,
  expiresAt: apiTokens.expiresAt,
};

export async function insertToken(
  db: Database,
  values: {
    userId: string;
    name: string;
    tokenHash: string;
    scopes: string[];
    lastFour: string;
    expiresAt: Date | null;
    createdAt: Date;
  },
): Promise<ApiTokenRecord> {
  const [row] = await db.insert(apiTokens).values(values).returning(recordColumns);
  if (!row) throw new Error('insert into api_tokens returned no row');
  return row;
}

/** The user's tokens, newest first; expired ones too (the list says so), until revoked. */
export async function listTokens(db: Database, userId: string): Promise<ApiTokenRecord[]> {
  return db
    .select(recordColumns)
    .from(apiTokens)
    .where(eq(apiTokens.userId, userId))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
}

/**
 * The token with this hash if it still works at `now`: not expired, and its user not disabled.
 * A revoked token has no row.
 */
export async function findUsableToken(
  db: Database,
  tokenHash: string,
  now: Date,
): Promise<ApiTokenRecord | undefined> {
  const [row] = await db
    .select(recordColumns)
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(
      and(
        eq(apiTokens.tokenHash, tokenHash),
        or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now)),
        isNull(users.disabledAt),
      ),
    )
    .limit(1);
  return row;
}

export async function touchToken(db: Database, id: string, at: Date): Promise<void> {
  await db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id));
}

/** Deletes the user's token `id`; false when there is none (another user's counts as none). */
export async function deleteToken(db: Database, userId: string, id: string): Promise<boolean> {
  const deleted = await db
    .delete(apiTokens)
    .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId)))
    .returning({ id: apiTokens.id });
  return deleted.length > 0;
}
