import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Database } from '../db/database.js';
import { alertEvents, deliveries, notificationChannels, users } from '../db/schema.js';
import { AppError } from '../errors.js';
import { insertNotification } from '../notifications/notifications.repository.js';
import { type ChannelRecord, findSettings, quietHoursOf, toChannelRecord } from './channels.repository.js';
import type { deliveryOutcomeSchema } from './channels.schemas.js';
import type { DeliveredFiring } from './delivered-firing.js';
import type { QuietHours } from './quiet-hours.js';

export type DeliveryOutcome = z.infer<typeof deliveryOutcomeSchema>;

/**
 * Writes firings' outbox rows, in the caller's transaction (the firings'): for each firing, one per
 * channel of its user that is enabled, due at `now`. Channels of another user or turned off are
 * skipped; a second call for the same firing writes nothing more (the (event, channel) key). One
 * query and one insert for any number of firings.
 */
export async function insertDeliveries(
  tx: Database,
  firings: ReadonlyArray<{ eventId: string; userId: string; channelIds: readonly string[] }>,
  now: Date,
): Promise<void> {
  const wanted = [...new Set(firings.flatMap((firing) => firing.channelIds))];
  if (wanted.length === 0) return;
  const enabled = await tx
    .select({ id: notificationChannels.id, userId: notificationChannels.userId })
    .from(notificationChannels)
    .where(and(eq(notificationChannels.enabled, true), inArray(notificationChannels.id, wanted)));
  const ownerOf = new Map(enabled.map((channel) => [channel.id, channel.userId]));
  const rows = firings.flatMap(({ eventId, userId, channelIds }) =>
    [...new Set(channelIds)]
      .filter((channelId) => ownerOf.get(channelId) === userId)
      .map((channelId) => ({ eventId, channelId, userId, nextAttemptAt: now })),
  );
  if (rows.length === 0) return;
  await tx.insert(deliveries).values(rows).onConflictDoNothing();
}

/** A claimed outbox row, with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  attempts: number;
  heldForQuietHours: boolean;
  channel: ChannelRecord;
  userEmail: string;
  quietHours: QuietHours | null;
  firing: DeliveredFiring;
}

/**
 * Claims up to `limit` due rows for this process: pending with `next_attempt_at <= now`, locked with
 * SKIP LOCKED so another instance claims others, and leased by moving `next_attempt_at` to
 * `leaseUntil`. A process that dies while sending leaves the row pending: it is due again when the
 * lease ends, and sent then (by whichever instance claims it).
 */
export async function claimDue(
  db: Database,
  { now, leaseUntil, limit }: { now: Date; leaseUntil: Date; limit: number },
): Promise<ClaimedDelivery[]> {
  const due = db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.status, 'pending'), lte(deliveries.nextAttemptAt, now)))
    .orderBy(asc(deliveries.nextAttemptAt))
    .limit(limit)
    .for('update', { skipLocked: true });
  const claimed = await db
    .update(deliveries)
    .set({ nextAttemptAt: leaseUntil })
    .where(inArray(deliveries.id, due))
    .returning({ id: deliveries.id });
  if (claimed.length === 0) return [];

  const rows = await db
    .select({ delivery: deliveries, channel: notificationChannels, event: alertEvents, email: users.email })
    .from(deliveries)
    .innerJoin(notificationChannels, eq(notificationChannels.id, deliveries.channelId))
    .innerJoin(alertEvents, eq(alertEvents.id, deliveries.eventId))
    .innerJoin(users, eq(users.id, deliveries.userId))
    .where(
      inArray(
        deliveries.id,
        claimed.map((row) => row.id),
      ),
    );
  const quietByUser = new Map<string, QuietHours | null>();
  for (const userId of new Set(rows.map((row) => row.delivery.userId))) {
    quietByUser.set(userId, quietHoursOf(await findSettings(db, userId)));
  }
  return rows.map(({ delivery, channel, event, email }) => ({
    id: delivery.id,
    attempts: delivery.attempts,
    heldForQuietHours: delivery.heldForQuietHours,
    channel: toChannelRecord(channel),
    userEmail: email,
    quietHours: quietByUser.get(delivery.userId) ?? null,
    firing: {
      id: event.id,
      alertId: event.ruleId,
      symbol: event.symbol,
      kind: event.kind,
      threshold: event.threshold,
      price: event.price,
      firedAt: event.firedAt,
      message: event.message,
      simulated: event.simulated,
    },
  }));
}

/** Delivered: the rows are done and the channel's run of failures is over. */
export async function markSent(db: Database, ids: string[], channelId: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(deliveries)
      .set({ status: 'sent', sentAt: now, lastError: null, attempts: sql`${deliveries.attempts} + 1` })
      .where(inArray(deliveries.id, ids));
    await tx
      .update(notificationChannels)
      .set({ failingSince: null })
      .where(eq(notificationChannels.id, channelId));
  });
}

/**
 * An attempt failed: tried again at `retryAt`, or, when that is null, failed for good. Returns the
 * channel when this failure turned it off (it had been failing since `disableAfterMs` ago): the user
 * is told in the notification centre, in the same transaction.
 */
export async function markAttemptFailed(
  db: Database,
  {
    ids,
    channelId,
    now,
    error,
    retryAt,
    disableAfterMs,
  }: {
    ids: string[];
    channelId: string;
    now: Date;
    error: string;
    retryAt: Date | null;
    disableAfterMs: number;
  },
): Promise<ChannelRecord | undefined> {
  return db.transaction(async (tx) => {
    await tx
      .update(deliveries)
      .set({
        attempts: sql`${deliveries.attempts} + 1`,
        lastError: error.slice(0, 500),
        ...(retryAt ? { nextAttemptAt: retryAt } : { status: 'failed' }),
      })
      .where(inArray(deliveries.id, ids));
    await tx
      .update(notificationChannels)
      .set({ failingSince: now })
      .where(and(eq(notificationChannels.id, channelId), isNull(notificationChannels.failingSince)));
    const [disabled] = await tx
      .update(notificationChannels)
      .set({ enabled: false })
      .where(
        and(
          eq(notificationChannels.id, channelId),
          eq(notificationChannels.enabled, true),
          lte(notificationChannels.failingSince, new Date(now.getTime() - disableAfterMs)),
        ),
      )
      .returning();
    if (!disabled) return undefined;
    await insertNotification(tx, {
      userId: disabled.userId,
      kind: 'channel_disabled',
      message: `Your ${disabled.type} channel “${disabled.name}” failed for five days and was turned off. Check it and turn it on again in Settings.`,
      createdAt: now,
    });
    return toChannelRecord(disabled);
  });
}

/** Sends nothing now: the rows wait for the end of the user's quiet hours, and go out in one summary. */
export async function holdForQuietHours(db: Database, ids: string[], until: Date): Promise<void> {
  await db
    .update(deliveries)
    .set({ heldForQuietHours: true, nextAttemptAt: until })
    .where(inArray(deliveries.id, ids));
}

/** A channel that cannot be delivered to any more (a push subscription the push service forgot). */
export async function removeChannel(db: Database, channelId: string): Promise<void> {
  await db.delete(notificationChannels).where(eq(notificationChannels.id, channelId));
}

/** Each firing's deliveries, by firing id (a firing without channels has an empty list). */
export async function outcomesOf(
  db: Database,
  eventIds: readonly string[],
): Promise<Map<string, DeliveryOutcome[]>> {
  const outcomes = new Map<string, DeliveryOutcome[]>(eventIds.map((id) => [id, []]));
  if (eventIds.length === 0) return outcomes;
  const rows = await db
    .select({ delivery: deliveries, channel: notificationChannels })
    .from(deliveries)
    .innerJoin(notificationChannels, eq(notificationChannels.id, deliveries.channelId))
    .where(inArray(deliveries.eventId, [...new Set(eventIds)]))
    .orderBy(notificationChannels.createdAt, notificationChannels.id);
  for (const { delivery, channel } of rows) {
    outcomes.get(delivery.eventId)?.push({
      channelId: channel.id,
      channelName: channel.name,
      channelType: channel.type as DeliveryOutcome['channelType'],
      status: delivery.status as DeliveryOutcome['status'],
      attempts: delivery.attempts,
      nextAttemptAt: delivery.status === 'pending' ? delivery.nextAttemptAt.toISOString() : null,
      lastError: delivery.lastError,
      sentAt: delivery.sentAt?.toISOString() ?? null,
    });
  }
  return outcomes;
}

/**
 * Sends a firing again to the channels that failed it: due at `now`, attempts kept (the log shows
 * them all). 404 `alert_event_not_found` for another user's firing; 409 `nothing_to_redeliver` when
 * none failed.
 */
export async function redeliver(
  db: Database,
  { userId, eventId, now }: { userId: string; eventId: string; now: Date },
): Promise<void> {
  const [event] = await db
    .select({ id: alertEvents.id })
    .from(alertEvents)
    .where(and(eq(alertEvents.id, eventId), eq(alertEvents.userId, userId)));
  if (!event) throw new AppError('alert_event_not_found');
  const again = await db
    .update(deliveries)
    .set({ status: 'pending', nextAttemptAt: now })
    .where(and(eq(deliveries.eventId, eventId), eq(deliveries.status, 'failed')))
    .returning({ id: deliveries.id });
  if (again.length === 0) throw new AppError('nothing_to_redeliver');
}

/** Failed without an attempt: the channel was turned off after the row was written. */
export async function markFailedUnsent(db: Database, ids: string[], error: string): Promise<void> {
  await db.update(deliveries).set({ status: 'failed', lastError: error }).where(inArray(deliveries.id, ids));
}

/** Per channel type: deliveries waiting to go out, and those failed for good since `failedSince`. */
export async function countByChannelType(
  db: Database,
  failedSince: Date,
): Promise<Array<{ channelType: string; pending: number; failed: number }>> {
  return db
    .select({
      channelType: notificationChannels.type,
      pending: sql<number>`count(*) filter (where ${deliveries.status} = 'pending')`.mapWith(Number),
      failed:
        sql<number>`count(*) filter (where ${deliveries.status} = 'failed' and ${deliveries.createdAt} >= ${failedSince})`.mapWith(
          Number,
        ),
    })
    .from(deliveries)
    .innerJoin(notificationChannels, eq(notificationChannels.id, deliveries.channelId))
    .where(
      sql`${deliveries.status} = 'pending' or (${deliveries.status} = 'failed' and ${deliveries.createdAt} >= ${failedSince})`,
    )
    .groupBy(notificationChannels.type)
    .orderBy(asc(notificationChannels.type));
}
