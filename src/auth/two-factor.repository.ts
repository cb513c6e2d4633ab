import { and, count, eq, gt, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { oneTimeTokens, recoveryCodes, users } from '../db/schema.js';

/** What the second factor needs to know of an account. */
export interface TwoFactorAccount {
  id: string;
  username: string;
  passwordHash: string;
  totpSecret: string | null;
  totpPendingSecret: string | null;
  totpEnabledAt: Date | null;
}

/** A password step passed, waiting for its code. */
export interface PendingLogin {
  user: { id: string; username: string; email: string };
  totpSecret: string | null;
  attempts: number;
}

/** `one_time_tokens` purposes of this part. */
const PENDING_LOGIN = 'login_2fa';
/** The last TOTP step a user's code was accepted for: one row per user, so a code is never taken twice. */
const USED_TOTP_STEP = 'totp_used_step';

export async function findTwoFactorAccount(
  db: Database,
  userId: string,
): Promise<TwoFactorAccount | undefined> {
  const [row] = await db
    .select({
      id: users.id,
      username: users.username,
      passwordHash: users.passwordHash,
      totpSecret: users.totpSecret,
      totpPendingSecret: users.totpPendingSecret,
      totpEnabledAt: users.totpEnabledAt,
    })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  return row;
}

export async function countUnusedRecoveryCodes(db: Database, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return row?.n ?? 0;
}

/** Keeps a secret being set up; false when two-factor is already on (a second tab enabled it). */
export async function setPendingSecret(db: Database, userId: string, secret: string): Promise<boolean> {
  const updated = await db
    .update(users)
    .set({ totpPendingSecret: secret })
    .where(and(eq(users.id, userId), isNull(users.totpSecret)))
    .returning({ id: users.id });
  return updated.length > 0;
}

/**
 * Turns the pending secret into the account's, with a fresh set of recovery codes, in one
 * transaction; false (nothing written) when the secret is no longer the pending one or two-factor
 * is already on.
 */
export async function enableTotp(
  db: Database,
  userId: string,
  { secret, enabledAt, codeHashes }: { secret: string; enabledAt: Date; codeHashes: string[] },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const updated = await tx
      .update(users)
      .set({ totpSecret: secret, totpPendingSecret: null, totpEnabledAt: enabledAt })
      .where(and(eq(users.id, userId), isNull(users.totpSecret), eq(users.totpPendingSecret, secret)))
      .returning({ id: users.id });
    if (updated.length === 0) return false;
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await tx.insert(recoveryCodes).values(codeHashes.map((codeHash) => ({ userId, codeHash })));
    return true;
  });
}

/** Turns two-factor off: the secrets, the recovery codes and the pending logins go. */
export async function disableTotp(db: Database, userId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ totpSecret: null, totpPendingSecret: null, totpEnabledAt: null })
      .where(eq(users.id, userId));
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await tx
      .delete(oneTimeTokens)
      .where(
        and(
          eq(oneTimeTokens.userId, userId),
          inArray(oneTimeTokens.purpose, [PENDING_LOGIN, USED_TOTP_STEP]),
        ),
      );
  });
}

/**
 * Records that a code of `step` was accepted, unless a code of this step or a later one already was:
 * one atomic statement, so two requests racing with the same code cannot both pass. False means replay.
 */
export async function claimTotpStep(
  db: Database,
  {
    userId,
    tokenHash,
    step,
    expiresAt,
  }: { userId: string; tokenHash: string; step: number; expiresAt: Date },
): Promise<boolean> {
  const claimed = await db
    .insert(oneTimeTokens)
    .values({ tokenHash, purpose: USED_TOTP_STEP, userId, data: { step }, expiresAt })
    .onConflictDoUpdate({
      target: oneTimeTokens.tokenHash,
      set: { data: { step }, expiresAt },
      setWhere: sql`(${oneTimeTokens.data}->>'step')::bigint < ${step}`,
    })
    .returning({ tokenHash: oneTimeTokens.tokenHash });
  return claimed.length > 0;
}

/** Marks an unused recovery code used; false when there is no such unused code. */
export async function useRecoveryCode(
  db: Database,
  userId: string,
  codeHash: string,
  now: Date,
): Promise<boolean> {
  const used = await db
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(
      and(
        eq(recoveryCodes.userId, userId),
        eq(recoveryCodes.codeHash, codeHash),
        isNull(recoveryCodes.usedAt),
      ),
    )
    .returning({ id: recoveryCodes.id });
  return used.length > 0;
}

export async function insertPendingLogin(
  db: Database,
  { tokenHash, userId, expiresAt }: { tokenHash: string; userId: string; expiresAt: Date },
): Promise<void> {
  await db.insert(oneTimeTokens).values({ tokenHash, purpose: PENDING_LOGIN, userId, expiresAt });
}

export async function findPendingLogin(
  db: Database,
  tokenHash: string,
  now: Date,
): Promise<PendingLogin | undefined> {
  const [row] = await db
    .select({
      id: users.id,
      username: users.username,
      email: users.email,
      totpSecret: users.totpSecret,
      attempts: oneTimeTokens.attempts,
    })
    .from(oneTimeTokens)
    .innerJoin(users, eq(users.id, oneTimeTokens.userId))
    .where(
      and(
        eq(oneTimeTokens.tokenHash, tokenHash),
        eq(oneTimeTokens.purpose, PENDING_LOGIN),
        gt(oneTimeTokens.expiresAt, now),
      ),
    )
    .limit(1);
  if (!row) return undefined;
  const { totpSecret, attempts, ...user } = row;
  return { user, totpSecret, attempts };
}

/** Counts a wrong code against a pending login; answers how many it has had. */
export async function countWrongCode(db: Database, tokenHash: string): Promise<number> {
  const [row] = await db
    .update(oneTimeTokens)
    .set({ attempts: sql`${oneTimeTokens.attempts} + 1` })
    .where(and(eq(oneTimeTokens.tokenHash, tokenHash), eq(oneTimeTokens.purpose, PENDING_LOGIN)))
    .returning({ attempts: oneTimeTokens.attempts });
  return row?.attempts ?? Number.POSITIVE_INFINITY;
}

/** Ends a pending login; false when it was already gone (completed by a racing request, or expired). */
export async function deletePendingLogin(db: Database, tokenHash: string): Promise<boolean> {
  const deleted = await db
    .delete(oneTimeTokens)
    .where(and(eq(oneTimeTokens.tokenHash, tokenHash), eq(oneTimeTokens.purpose, PENDING_LOGIN)))
    .returning({ tokenHash: oneTimeTokens.tokenHash });
  return deleted.length > 0;
}

/** Sweeps this part's expired rows (pending logins, used steps past their window). */
export async function deleteExpiredTwoFactorTokens(db: Database, now: Date): Promise<void> {
  await db
    .delete(oneTimeTokens)
    .where(
      and(inArray(oneTimeTokens.purpose, [PENDING_LOGIN, USED_TOTP_STEP]), lt(oneTimeTokens.expiresAt, now)),
    );
}
