import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { notificationChannels, notificationSettings, serverKeys, users } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { ChannelType, WebhookFormat } from './channels.schemas.js';
import type { QuietHours } from './quiet-hours.js';

/** A delivery channel as the domain sees it (the secret included: callers decide what to show). */
export interface ChannelRecord {
  id: string;
  userId: string;
  type: ChannelType;
  name: string;
  /** Webhooks only. */
  url: string | null;
  format: WebhookFormat | null;
  /** The webhook's `whsec_` secret. */
  secret: string | null;
  push: { endpoint: string; keys: { p256dh: string; auth: string } } | null;
  enabled: boolean;
  failingSince: Date | null;
  createdAt: Date;
}

type ChannelRow = typeof notificationChannels.$inferSelect;

export function toChannelRecord(row: ChannelRow): ChannelRecord {
  return {
    id: row.id,
    userId: row.userId,
    type: row.type as ChannelType,
    name: row.name,
    url: row.url,
    format: row.format as WebhookFormat | null,
    secret: row.secret,
    push:
      row.pushEndpoint && row.pushP256dh && row.pushAuth
        ? { endpoint: row.pushEndpoint, keys: { p256dh: row.pushP256dh, auth: row.pushAuth } }
        : null,
    enabled: row.enabled,
    failingSince: row.failingSince,
    createdAt: row.createdAt,
  };
}

export async function listChannels(db: Database, userId: string): Promise<ChannelRecord[]> {
  const rows = await db
    .select()
    .from(notificationChannels)
    .where(eq(notificationChannels.userId, userId))
    .orderBy(notificationChannels.createdAt, notificationChannels.id);
  return rows.map(toChannelRecord);
}

/** The user's channel `id`; another user's is as absent as a missing one (404 `channel_not_found`). */
export async function requireChannel(db: Database, userId: string, id: string): Promise<ChannelRecord> {
  const [row] = await db
    .select()
    .from(notificationChannels)
    .where(and(eq(notificationChannels.id, id), eq(notificationChannels.userId, userId)));
  if (!row) throw new AppError('channel_not_found');
  return toChannelRecord(row);
}

/**
 * Checks that every id is one of the user's channels (for an alert rule's `channels`); throws 404
 * `channel_not_found` naming the first that is not.
 */
export async function assertChannelsOwned(
  db: Database,
  userId: string,
  channelIds: readonly string[],
): Promise<void> {
  const wanted = [...new Set(channelIds)];
  if (wanted.length === 0) return;
  const rows = await db
    .select({ id: notificationChannels.id })
    .from(notificationChannels)
    .where(and(eq(notificationChannels.userId, userId), inArray(notificationChannels.id, wanted)));
  const found = new Set(rows.map((row) => row.id));
  const missing = wanted.find((id) => !found.has(id));
  if (missing) throw new AppError('channel_not_found', `No such notification channel: ${missing}.`);
}

export interface NewChannel {
  userId: string;
  type: ChannelType;
  name: string;
  url?: string;
  format?: WebhookFormat;
  secret?: string;
  push?: { endpoint: string; keys: { p256dh: string; auth: string } };
}

/**
 * Inserts a channel. A push subscription is one browser: subscribing it again (for this user or,
 * after a new sign-in on it, for another) replaces the channel that had its endpoint.
 */
export async function insertChannel(db: Database, channel: NewChannel): Promise<ChannelRecord> {
  return db.transaction(async (tx) => {
    if (channel.push) {
      await tx
        .delete(notificationChannels)
        .where(eq(notificationChannels.pushEndpoint, channel.push.endpoint));
    }
    const [row] = await tx
      .insert(notificationChannels)
      .values({
        userId: channel.userId,
        type: channel.type,
        name: channel.name,
        url: channel.url ?? null,
        format: channel.format ?? null,
        secret: channel.secret ?? null,
        pushEndpoint: channel.push?.endpoint ?? null,
        pushP256dh: channel.push?.keys.p256dh ?? null,
        pushAuth: channel.push?.keys.auth ?? null,
      })
      .returning();
    if (!row) throw new Error('insert returned no row');
    return toChannelRecord(row);
  });
}

export async function updateChannel(
  db: Database,
  userId: string,
  id: string,
  change: { name?: string; url?: string; format?: WebhookFormat; enabled?: boolean },
): Promise<ChannelRecord> {
  const [row] = await db
    .update(notificationChannels)
    .set({
      ...change,
      // Turned on again by the user: its run of failures starts over.
      ...(change.enabled === true ? { failingSince: null } : {}),
    })
    .where(and(eq(notificationChannels.id, id), eq(notificationChannels.userId, userId)))
    .returning();
  if (!row) throw new AppError('channel_not_found');
  return toChannelRecord(row);
}

export async function deleteChannel(db: Database, userId: string, id: string): Promise<void> {
  const deleted = await db
    .delete(notificationChannels)
    .where(and(eq(notificationChannels.id, id), eq(notificationChannels.userId, userId)))
    .returning({ id: notificationChannels.id });
  if (deleted.length === 0) throw new AppError('channel_not_found');
}

export async function findUserEmail(db: Database, userId: string): Promise<string> {
  const [row] = await db.select({ email: users.email }).from(users).where(eq(users.id, userId));
  if (!row) throw new Error(`no user ${userId}`);
  return row.email;
}

export interface StoredSettings {
  quietHours: { start: string; end: string } | null;
  timeZone: string;
}

export async function findSettings(db: Database, userId: string): Promise<StoredSettings> {
  const [row] = await db.select().from(notificationSettings).where(eq(notificationSettings.userId, userId));
  return toSettings(row);
}

function toSettings(row: typeof notificationSettings.$inferSelect | undefined): StoredSettings {
  if (!row) return { quietHours: null, timeZone: 'UTC' };
  return {
    quietHours: row.quietStart && row.quietEnd ? { start: row.quietStart, end: row.quietEnd } : null,
    timeZone: row.timeZone,
  };
}

/** Quiet hours as the delivery loop uses them, or null when the user has none. */
export function quietHoursOf(settings: StoredSettings): QuietHours | null {
  return settings.quietHours ? { ...settings.quietHours, timeZone: settings.timeZone } : null;
}

export async function saveSettings(db: Database, userId: string, settings: StoredSettings): Promise<void> {
  const values = {
    quietStart: settings.quietHours?.start ?? null,
    quietEnd: settings.quietHours?.end ?? null,
    timeZone: settings.timeZone,
  };
  await db
    .insert(notificationSettings)
    .values({ userId, ...values })
    .onConflictDoUpdate({ target: notificationSettings.userId, set: { ...values, updatedAt: sql`now()` } });
}

/**
 * The value kept under `name`, created with `create()` the first time. When two instances start at
 * once, the first insert wins and both read it.
 */
export async function serverKey(db: Database, name: string, create: () => string): Promise<string> {
  const [existing] = await db
    .select({ value: serverKeys.value })
    .from(serverKeys)
    .where(eq(serverKeys.name, name));
  if (existing) return existing.value;
  await db.insert(serverKeys).values({ name, value: create() }).onConflictDoNothing();
  const [kept] = await db
    .select({ value: serverKeys.value })
    .from(serverKeys)
    .where(eq(serverKeys.name, name));
  if (!kept) throw new Error(`server key ${name} was not kept`);
  return kept.value;
}
