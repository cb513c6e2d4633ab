import { and, asc, eq, gt, inArray, isNull, lt } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { oneTimeTokens, passkeys, users } from '../db/schema.js';

/** The one-time token purposes of the two ceremonies' challenges. */
export type ChallengePurpose = 'passkey_register' | 'passkey_login';
const CHALLENGE_PURPOSES: ChallengePurpose[] = ['passkey_register', 'passkey_login'];

export interface PasskeyRecord {
  id: string;
  userId: string;
  name: string;
  publicKey: string;
  counter: number;
  transports: string[] | null;
  deviceType: string | null;
  backedUp: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface ChallengeKey {
  /** SHA-256 (hex) of the challenge. */
  tokenHash: string;
  purpose: ChallengePurpose;
  /** The user a registration challenge was given to; null for a sign-in challenge. */
  userId: string | null;
}

export async function insertChallenge(db: Database, key: ChallengeKey, expiresAt: Date): Promise<void> {
  await db.insert(oneTimeTokens).values({ ...key, expiresAt });
}

/** Whether the challenge was given (to that user, for that purpose) and is still unused and unexpired. */
export async function challengeIsLive(db: Database, key: ChallengeKey, now: Date): Promise<boolean> {
  const [row] = await db
    .select({ tokenHash: oneTimeTokens.tokenHash })
    .from(oneTimeTokens)
    .where(and(challengeMatches(key), gt(oneTimeTokens.expiresAt, now)))
    .limit(1);
  return row !== undefined;
}

export async function deleteExpiredChallenges(db: Database, now: Date): Promise<number> {
  const deleted = await db
    .delete(oneTimeTokens)
    .where(and(inArray(oneTimeTokens.purpose, CHALLENGE_PURPOSES), lt(oneTimeTokens.expiresAt, now)))
    .returning({ tokenHash: oneTimeTokens.tokenHash });
  return deleted.length;
}

/**
 * Uses the challenge up and stores the passkey it registered, together: null when the challenge was
 * used meanwhile (the same answer sent twice), and then nothing is stored.
 */
export async function addPasskey(
  db: Database,
  challenge: ChallengeKey,
  now: Date,
  values: Omit<PasskeyRecord, 'createdAt' | 'lastUsedAt'>,
): Promise<PasskeyRecord | null> {
  return db.transaction(async (tx) => {
    if (!(await consumeChallenge(tx, challenge, now))) return null;
    const [row] = await tx
      .insert(passkeys)
      .values({ ...values, createdAt: now })
      .returning();
    if (!row) throw new Error('insert into passkeys returned no row');
    return row;
  });
}

/**
 * Uses the sign-in challenge up and records the passkey's use (its new signature counter), together:
 * false when the challenge was used meanwhile, and then nothing is written.
 */
export async function recordSignIn(
  db: Database,
  challenge: ChallengeKey,
  now: Date,
  use: { id: string; counter: number; backedUp: boolean },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (!(await consumeChallenge(tx, challenge, now))) return false;
    await tx
      .update(passkeys)
      .set({ counter: use.counter, backedUp: use.backedUp, lastUsedAt: now })
      .where(eq(passkeys.id, use.id));
    return true;
  });
}

export async function listPasskeys(db: Database, userId: string): Promise<PasskeyRecord[]> {
  return db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt));
}

/** A passkey by its credential id, with whether its account may sign in. */
export async function findPasskeyForSignIn(
  db: Database,
  id: string,
): Promise<{ passkey: PasskeyRecord; accountDisabled: boolean } | undefined> {
  const [row] = await db
    .select({ passkey: passkeys, disabledAt: users.disabledAt })
    .from(passkeys)
    .innerJoin(users, eq(users.id, passkeys.userId))
    .where(eq(passkeys.id, id))
    .limit(1);
  return row && { passkey: row.passkey, accountDisabled: row.disabledAt !== null };
}

/** Renames one of the user's passkeys; undefined when the user has none of that id. */
export async function renamePasskey(
  db: Database,
  userId: string,
  id: string,
  name: string,
): Promise<PasskeyRecord | undefined> {
  const [row] = await db
    .update(passkeys)
    .set({ name })
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .returning();
  return row;
}

/** Deletes one of the user's passkeys; undefined when the user has none of that id. */
export async function deletePasskey(
  db: Database,
  userId: string,
  id: string,
): Promise<PasskeyRecord | undefined> {
  const [row] = await db
    .delete(passkeys)
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .returning();
  return row;
}

/** Deletes the challenge if it is live; concurrent callers cannot both succeed. */
async function consumeChallenge(db: Database, key: ChallengeKey, now: Date): Promise<boolean> {
  const deleted = await db
    .delete(oneTimeTokens)
    .where(and(challengeMatches(key), gt(oneTimeTokens.expiresAt, now)))
    .returning({ tokenHash: oneTimeTokens.tokenHash });
  return deleted.length > 0;
}

function challengeMatches(key: ChallengeKey) {
  return and(
    eq(oneTimeTokens.tokenHash, key.tokenHash),
    eq(oneTimeTokens.purpose, key.purpose),
    key.userId === null ? isNull(oneTimeTokens.userId) : eq(oneTimeTokens.userId, key.userId),
  );
}
