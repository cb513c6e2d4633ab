import { and, eq, gt, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { sessions, users } from '../db/schema.js';

export interface UserRecord {
  id: string;
  username: string;
  email: string;
  passwordHash: string;
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
};

export async function insertUser(
  db: Database,
  values: { username: string; email: string; passwordHash: string },
): Promise<UserRecord> {
  const [row] = await db.insert(users).values(values).returning(userColumns);
  if (!row) throw new Error('insert into users returned no row');
  return row;
}

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
): Promise<{ session: LiveSession; user: Omit<UserRecord, 'passwordHash'> } | undefined> {
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
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.idHash, idHash), gt(sessions.expiresAt, now)))
    .limit(1);
  if (!row) return undefined;
  const { username, email, ...session } = row;
  return { session, user: { id: row.userId, username, email } };
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

export async function deleteExpiredSessions(db: Database, now: Date): Promise<number> {
  const deleted = await db
    .delete(sessions)
    .where(lt(sessions.expiresAt, now))
    .returning({ idHash: sessions.idHash });
  return deleted.length;
}
