import { and, desc, eq, gt, ne } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { sessions } from '../db/schema.js';

/** A session as its owner's sessions list shows it (the hash stays here, to tell "this one" apart). */
export interface SessionListing {
  publicId: string;
  idHash: string;
  userAgent: string | null;
  address: string | null;
  createdAt: Date;
  lastSeenAt: Date;
}

/** A user's live sessions, the most recently seen first. */
export async function listLiveSessions(db: Database, userId: string, now: Date): Promise<SessionListing[]> {
  return db
    .select({
      publicId: sessions.publicId,
      idHash: sessions.idHash,
      userAgent: sessions.userAgent,
      address: sessions.address,
      createdAt: sessions.createdAt,
      lastSeenAt: sessions.lastSeenAt,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, now)))
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt));
}

/** Deletes one of the user's sessions by its public id; answers its hash, or undefined when it is not theirs. */
export async function deleteSessionByPublicId(
  db: Database,
  userId: string,
  publicId: string,
): Promise<string | undefined> {
  const [row] = await db
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), eq(sessions.publicId, publicId)))
    .returning({ idHash: sessions.idHash });
  return row?.idHash;
}

/** Deletes every session of the user but `keepIdHash` (every one when it is undefined); answers their hashes. */
export async function deleteSessionsOfUser(
  db: Database,
  userId: string,
  keepIdHash?: string,
): Promise<string[]> {
  const rows = await db
    .delete(sessions)
    .where(
      keepIdHash === undefined
        ? eq(sessions.userId, userId)
        : and(eq(sessions.userId, userId), ne(sessions.idHash, keepIdHash)),
    )
    .returning({ idHash: sessions.idHash });
  return rows.map((row) => row.idHash);
}
