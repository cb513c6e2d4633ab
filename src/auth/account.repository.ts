import { and, desc, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { oneTimeTokens, users } from '../db/schema.js';

/** What the password and email routes need of an account. */
export interface AccountRecord {
  id: string;
  username: string;
  email: string;
  passwordHash: string;
  emailVerifiedAt: Date | null;
}

const accountColumns = {
  id: users.id,
  username: users.username,
  email: users.email,
  passwordHash: users.passwordHash,
  emailVerifiedAt: users.emailVerifiedAt,
};

export async function findAccountById(db: Database, id: string): Promise<AccountRecord | undefined> {
  const [row] = await db.select(accountColumns).from(users).where(eq(users.id, id)).limit(1);
  return row;
}

/** An enabled account by its email address, case-insensitively. */
export async function findAccountByEmail(db: Database, email: string): Promise<AccountRecord | undefined> {
  const [row] = await db
    .select(accountColumns)
    .from(users)
    .where(and(eq(sql`lower(${users.email})`, email.toLowerCase()), sql`${users.disabledAt} is null`))
    .limit(1);
  return row;
}

export async function setPasswordHash(db: Database, userId: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash }).where(eq(users.id, userId));
}

/** Marks the address verified, if it is still the account's address; answers whether it was. */
export async function markEmailVerified(
  db: Database,
  userId: string,
  email: string,
  at: Date,
): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ emailVerifiedAt: at })
    .where(and(eq(users.id, userId), eq(sql`lower(${users.email})`, email.toLowerCase())))
    .returning({ id: users.id });
  return rows.length > 0;
}

export type EmailTokenPurpose = 'password_reset' | 'email_verify';

export interface EmailToken {
  userId: string;
  /** The address the link was sent to. */
  email: string;
}

export async function insertEmailToken(
  db: Database,
  token: {
    tokenHash: string;
    purpose: EmailTokenPurpose;
    userId: string;
    email: string;
    createdAt: Date;
    expiresAt: Date;
  },
): Promise<void> {
  await db.insert(oneTimeTokens).values({
    tokenHash: token.tokenHash,
    purpose: token.purpose,
    userId: token.userId,
    data: { email: token.email },
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
  });
}

/** A live (unexpired, unused) token of that purpose, without using it up. */
export async function findEmailToken(
  db: Database,
  tokenHash: string,
  purpose: EmailTokenPurpose,
  now: Date,
): Promise<EmailToken | undefined> {
  const [row] = await db
    .select({ userId: oneTimeTokens.userId, data: oneTimeTokens.data })
    .from(oneTimeTokens)
    .where(
      and(
        eq(oneTimeTokens.tokenHash, tokenHash),
        eq(oneTimeTokens.purpose, purpose),
        gt(oneTimeTokens.expiresAt, now),
      ),
    )
    .limit(1);
  return row ? toEmailToken(row) : undefined;
}

/**
 * Uses a live token up: deletes it and answers what it was for, or undefined when it is gone,
 * expired or of another purpose. One statement, so two uses at once cannot both succeed.
 */
export async function consumeEmailToken(
  db: Database,
  tokenHash: string,
  purpose: EmailTokenPurpose,
  now: Date,
): Promise<EmailToken | undefined> {
  const [row] = await db
    .delete(oneTimeTokens)
    .where(
      and(
        eq(oneTimeTokens.tokenHash, tokenHash),
        eq(oneTimeTokens.purpose, purpose),
        gt(oneTimeTokens.expiresAt, now),
      ),
    )
    .returning({ userId: oneTimeTokens.userId, data: oneTimeTokens.data });
  return row ? toEmailToken(row) : undefined;
}

/** Deletes every token of that purpose the user has (a new password makes older reset links void). */
export async function deleteEmailTokens(
  db: Database,
  userId: string,
  purpose: EmailTokenPurpose,
): Promise<void> {
  await db
    .delete(oneTimeTokens)
    .where(and(eq(oneTimeTokens.userId, userId), eq(oneTimeTokens.purpose, purpose)));
}

/**
 * Holds, until the transaction ends, the right to issue the user's tokens of that purpose: two
 * requests at once (on any instance) cannot both see "none sent lately" and both send one.
 */
export async function lockEmailTokens(
  db: Database,
  userId: string,
  purpose: EmailTokenPurpose,
): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`email-token:${purpose}:${userId}`}))`);
}

/** When the user's newest token of that purpose was made, if any is still live. */
export async function newestEmailTokenAt(
  db: Database,
  userId: string,
  purpose: EmailTokenPurpose,
  now: Date,
): Promise<Date | undefined> {
  const [row] = await db
    .select({ createdAt: oneTimeTokens.createdAt })
    .from(oneTimeTokens)
    .where(
      and(
        eq(oneTimeTokens.userId, userId),
        eq(oneTimeTokens.purpose, purpose),
        gt(oneTimeTokens.expiresAt, now),
      ),
    )
    .orderBy(desc(oneTimeTokens.createdAt))
    .limit(1);
  return row?.createdAt;
}

function toEmailToken(row: { userId: string | null; data: unknown }): EmailToken | undefined {
  const email = (row.data as { email?: unknown } | null)?.email;
  if (!row.userId || typeof email !== 'string') return undefined;
  return { userId: row.userId, email };
}
