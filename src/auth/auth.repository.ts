import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { sessions, users } from '../db/schema.js';

export type Role = 'admin' | 'user';

export interface UserRecord {
  id: string;
  username: string;
  email: string;
  passwordHash: string;
  role: Role;
  disabledAt: Date | null;
}

export interface SessionRecord {
  idHash: string;
  userId: string;
  csrfToken: string;
  expiresAt: Date;
}

/** What a new session records besides its secrets: where it was opened from, and when. */
export interface NewSession extends SessionRecord {
  userAgent: string | null;
  address: string | null;
  createdAt: Date;
}

/** A live session as a request sees it: its public id (for the sessions list) and when it was last seen. */
export interface LiveSession extends SessionRecord {
  publicId: string;
  lastSeenAt: Date;
}

const userColumns = {
  id: users.id,
  username: users.username,
  email: users.email,
  passwordHash: users.passwordHash,
  role: sql<Role>`${users.role}`,
  disabledAt: users.disabledAt,
};

/**
 * Key of the advisory lock every change to who may administer takes in its transaction (an account
 * created, a role changed, an account disabled or deleted): two first registrations cannot both
 * see an empty table, and two admins demoting each other cannot leave none.
 */
const ACCOUNTS_LOCK_KEY = 0x5354_4143; // "STAC"

/** Runs `work` in a transaction holding the accounts lock (released at commit or rollback). */
export async function inAccountsTurn<T>(db: Database, work: (tx: Database) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${ACCOUNTS_LOCK_KEY})`);
    return work(tx as unknown as Database);
  });
}

/**
 * Inserts an account in the accounts lock's turn: the first account of the installation becomes
 * admin, whatever `role` asks. `admit` runs in the same transaction once the row exists (told whether
 * it is the first): it may refuse the account by throwing, which undoes the insert, or claim what
 * the account was admitted with (an invitation).
 */
export async function insertUser(
  db: Database,
  values: { username: string; email: string; passwordHash: string; role?: Role },
  admit?: (tx: Database, user: UserRecord, firstAccount: boolean) => Promise<void>,
): Promise<UserRecord> {
  return inAccountsTurn(db, async (tx) => {
    const [existing] = await tx.select({ id: users.id }).from(users).limit(1);
    const firstAccount = existing === undefined;
    const [row] = await tx
      .insert(users)
      .values({ ...values, role: firstAccount ? 'admin' : (values.role ?? 'user') })
      .returning(userColumns);
    if (!row) throw new Error('insert into users returned no row');
    await admit?.(tx, row, firstAccount);
    return row;
  });
}

/** Whether any account exists yet (the first one may always register). */
export async function hasUsers(db: Database): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).limit(1);
  return row !== undefined;
}

/**
 * The condition under which an account's sessions (and tokens) count: not disabled. Every query
 * that turns a credential into a user joins `users` and adds it.
 */
export const accountActive = isNull(users.disabledAt);

/** Finds a user by username or email, both case-insensitively. */
export async function findUserByLogin(db: Database, login: string): Promise<UserRecord | undefined> {
  const lowered = login.toLowerCase();
  const [row] = await db
    .select(userColumns)
    .from(users)
    .where(or(eq(sql`lower(${users.username})`, lowered), eq(sql`lower(${users.email})`, lowered)))
    .limit(1);
  return row;
}

export async function findUserById(db: Database, id: string): Promise<UserRecord | undefined> {
  const [row] = await db.select(userColumns).from(users).where(eq(users.id, id)).limit(1);
  return row;
}

export async function insertSession(db: Database, session: NewSession): Promise<void> {
  await db.insert(sessions).values({ ...session, lastSeenAt: session.createdAt });
}

export async function findLiveSession(
  db: Database,
  idHash: string,
  now: Date,
): Promise<{ session: LiveSession; user: Omit<UserRecord, 'passwordHash' | 'disabledAt'> } | undefined> {
  const [row] = await db
    .select({
      idHash: sessions.idHash,
      userId: sessions.userId,
      csrfToken: sessions.csrfToken,
      expiresAt: sessions.expiresAt,
      publicId: sessions.publicId,
      lastSeenAt: sessions.lastSeenAt,
      username: users.username,
      email: users.email,
      role: userColumns.role,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.idHash, idHash), gt(sessions.expiresAt, now), accountActive))
    .limit(1);
  if (!row) return undefined;
  const { username, email, role, ...session } = row;
  return { session, user: { id: row.userId, username, email, role } };
}

/** Moves a session's last-seen time, and its expiry when given. */
export async function touchSession(
  db: Database,
  idHash: string,
  changes: { lastSeenAt: Date; expiresAt?: Date },
): Promise<void> {
  await db.update(sessions).set(changes).where(eq(sessions.idHash, idHash));
}

export async function deleteSession(db: Database, idHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, idHash));
}

/** Deletes the sessions past their expiry; answers which (user, id hash) they were. */
export async function deleteExpiredSessions(
  db: Database,
  now: Date,
): Promise<Array<{ userId: string; idHash: string }>> {
  return db
    .delete(sessions)
    .where(lt(sessions.expiresAt, now))
    .returning({ userId: sessions.userId, idHash: sessions.idHash });
}

/** Ends every session of a user (disabled, deleted, a password reset); the ids' hashes it ended. */
export async function deleteSessionsOfUser(db: Database, userId: string): Promise<string[]> {
  const deleted = await db
    .delete(sessions)
    .where(eq(sessions.userId, userId))
    .returning({ idHash: sessions.idHash });
  return deleted.map((row) => row.idHash);
}
