import { and, count, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { notifications } from '../db/schema.js';

export type NotificationKind = 'alert_fired' | 'alert_paused' | 'channel_disabled';

export interface NewNotification {
  userId: string;
  kind: NotificationKind;
  eventId?: string | null;
  ruleId?: string | null;
  symbol?: string | null;
  price?: number | null;
  message: string;
  createdAt: Date;
}

export interface NotificationRow {
  id: string;
  kind: NotificationKind;
  ruleId: string | null;
  symbol: string | null;
  message: string;
  price: number | null;
  createdAt: Date;
  readAt: Date | null;
}

/** Writes one notification; `db` may be a transaction, so it lands with what it tells. */
export async function insertNotification(db: Database, notification: NewNotification): Promise<void> {
  await insertNotifications(db, [notification]);
}

/** Writes several notifications in one statement (a batch of firings). */
export async function insertNotifications(db: Database, list: readonly NewNotification[]): Promise<void> {
  if (list.length === 0) return;
  await db.insert(notifications).values([...list]);
}

export async function listNotifications(
  db: Database,
  userId: string,
  { unreadOnly, limit }: { unreadOnly: boolean; limit: number },
): Promise<NotificationRow[]> {
  const rows = await db
    .select({
      id: notifications.id,
      kind: notifications.kind,
      ruleId: notifications.ruleId,
      symbol: notifications.symbol,
      message: notifications.message,
      price: notifications.price,
      createdAt: notifications.createdAt,
      readAt: notifications.readAt,
    })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), unreadOnly ? isNull(notifications.readAt) : undefined))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(limit);
  return rows.map((row) => ({ ...row, kind: row.kind as NotificationKind }));
}

export async function countUnread(db: Database, userId: string): Promise<number> {
  const [row] = await db
    .select({ unread: count() })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
  return row?.unread ?? 0;
}

/** Marks the user's unread notifications read: those in `ids`, or all of them. Others' ids are ignored. */
export async function markRead(
  db: Database,
  userId: string,
  ids: readonly string[] | 'all',
  at: Date,
): Promise<void> {
  await db
    .update(notifications)
    .set({ readAt: at })
    .where(
      and(
        eq(notifications.userId, userId),
        isNull(notifications.readAt),
        ids === 'all' ? undefined : inArray(notifications.id, [...ids]),
      ),
    );
}
