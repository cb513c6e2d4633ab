import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../db/database.js';
import { invites, users } from '../db/schema.js';

export interface InviteRecord {
  id: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
  createdBy: string | null;
  usedBy: string | null;
}

export async function insertInvite(
  db: Database,
  values: { codeHash: string; createdBy: string | null; expiresAt: Date; createdAt: Date },
): Promise<{ id: string }> {
  const [row] = await db.insert(invites).values(values).returning({ id: invites.id });
  if (!row) throw new Error('insert into invites returned no row');
  return row;
}

/** Every invitation, newest first, with the usernames of who created and who used it. */
export async function listInvites(db: Database): Promise<InviteRecord[]> {
  const creator = alias(users, 'creator');
  const user = alias(users, 'invitee');
  return db
    .select({
      id: invites.id,
      createdAt: invites.createdAt,
      expiresAt: invites.expiresAt,
      usedAt: invites.usedAt,
      createdBy: creator.username,
      usedBy: user.username,
    })
    .from(invites)
    .leftJoin(creator, eq(creator.id, invites.createdBy))
    .leftJoin(user, eq(user.id, invites.usedBy))
    .orderBy(desc(invites.createdAt), desc(invites.id));
}

/** Revoking deletes the invitation: its link stops working at once. False when there was none. */
export async function deleteInvite(db: Database, id: string): Promise<boolean> {
  const deleted = await db.delete(invites).where(eq(invites.id, id)).returning({ id: invites.id });
  return deleted.length > 0;
}

const usable = (codeHash: string, now: Date) =>
  and(eq(invites.codeHash, codeHash), isNull(invites.usedAt), gt(invites.expiresAt, now));

/** Whether a code could admit someone now (checked before the costly password hash). */
export async function isInviteUsable(db: Database, codeHash: string, now: Date): Promise<boolean> {
  const [row] = await db.select({ id: invites.id }).from(invites).where(usable(codeHash, now)).limit(1);
  return row !== undefined;
}

/**
 * Marks the invitation used by `userId`, in one statement: of two registrations with the same code
 * at once, the second finds it used (PostgreSQL re-checks the condition on the row the first
 * changed). False when the code is unknown, used or expired.
 */
export async function claimInvite(
  db: Database,
  codeHash: string,
  userId: string,
  now: Date,
): Promise<boolean> {
  const claimed = await db
    .update(invites)
    .set({ usedAt: now, usedBy: userId })
    .where(usable(codeHash, now))
    .returning({ id: invites.id });
  return claimed.length > 0;
}
