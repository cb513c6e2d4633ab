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

export async function insertSession(db: Database, session: SessionRecord): Promise<void> {
  await db.insert(sessions).values(session);
}

export async function findLiveSession(
  db: Database,
  idHash: string,
  now: Date,
): Promise<{ session: SessionRecord; user: Omit<UserRecord, 'passwordHash'> } | undefined> {
  const [row] = await db
    .select({
      idHash: sessions.idHash,
      userId: sessions.userId,
      csrfToken: sessions.csrfToken,
      expiresAt: sessions.expiresAt,
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

export async function extendSession(db: Database, idHash: string, expiresAt: Date): Promise<void> {
  await db.update(sessions).set({ expiresAt }).where(eq(sessions.idHash, idHash));
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
