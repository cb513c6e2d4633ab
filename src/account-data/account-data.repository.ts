import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import {
  alertEvents,
  alertRuleChannels,
  alertRules,
  apiTokens,
  notificationChannels,
  notificationSettings,
  notifications,
  passkeys,
  securityEvents,
  userPreferences,
  users,
  watchlistItems,
} from '../db/schema.js';
import { portfolioExport } from '../portfolio/transactions.repository.js';
import type { AccountExport } from './account-data.schemas.js';

/** What held market data for a deleted account: the in-memory state to let go of. */
export interface DeletedAccount {
  watchlistSymbols: string[];
  alertRuleIds: string[];
}

/**
 * Deletes the user's row; every table of theirs follows by `ON DELETE CASCADE`, except admins'
 * actions about it, which stay in the audit log naming it by `target_id`. The row is locked first,
 * so no watchlist item or rule can be added between reading what to let go of and the delete.
 * Undefined when there was no such user (deleted by a racing request).
 */
export async function deleteUser(db: Database, userId: string): Promise<DeletedAccount | undefined> {
  return db.transaction(async (tx) => {
    const [locked] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
    if (!locked) return undefined;
    const symbols = await tx
      .select({ symbol: watchlistItems.symbol })
      .from(watchlistItems)
      .where(eq(watchlistItems.userId, userId));
    const rules = await tx
      .select({ id: alertRules.id })
      .from(alertRules)
      .where(eq(alertRules.userId, userId));
    await tx
      .update(securityEvents)
      .set({ userId: null })
      .where(and(eq(securityEvents.userId, userId), eq(securityEvents.admin, true)));
    await tx.delete(users).where(eq(users.id, userId));
    return { watchlistSymbols: symbols.map((row) => row.symbol), alertRuleIds: rules.map((row) => row.id) };
  });
}

const iso = (date: Date) => date.toISOString();
const isoOrNull = (date: Date | null) => date?.toISOString() ?? null;

/** Everything the user holds, secrets left out, in the export's shape (read in one snapshot). */
export async function readAccountData(
  db: Database,
  userId: string,
): Promise<Omit<AccountExport, 'exportedAt'> | undefined> {
  return db.transaction(
    async (tx) => {
      const [user] = await tx.select().from(users).where(eq(users.id, userId));
      if (!user) return undefined;
      const [preferences] = await tx
        .select({ settings: userPreferences.settings })
        .from(userPreferences)
        .where(eq(userPreferences.userId, userId));
      const [settings] = await tx
        .select({
          quietStart: notificationSettings.quietStart,
          quietEnd: notificationSettings.quietEnd,
          timeZone: notificationSettings.timeZone,
        })
        .from(notificationSettings)
        .where(eq(notificationSettings.userId, userId));
      const watchlist = await tx
        .select({ symbol: watchlistItems.symbol, addedAt: watchlistItems.addedAt })
        .from(watchlistItems)
        .where(eq(watchlistItems.userId, userId))
        .orderBy(asc(watchlistItems.addedAt));
      const rules = await tx
        .select()
        .from(alertRules)
        .where(eq(alertRules.userId, userId))
        .orderBy(asc(alertRules.createdAt));
      const ruleChannels =
        rules.length === 0
          ? []
          : await tx
              .select()
              .from(alertRuleChannels)
              .where(
                inArray(
                  alertRuleChannels.ruleId,
                  rules.map((rule) => rule.id),
                ),
              );
      const firings = await tx
        .select()
        .from(alertEvents)
        .where(eq(alertEvents.userId, userId))
        .orderBy(asc(alertEvents.firedAt));
      const channels = await tx
        .select()
        .from(notificationChannels)
        .where(eq(notificationChannels.userId, userId))
        .orderBy(asc(notificationChannels.createdAt));
      const told = await tx
        .select()
        .from(notifications)
        .where(eq(notifications.userId, userId))
        .orderBy(asc(notifications.createdAt));
      const tokens = await tx
        .select()
        .from(apiTokens)
        .where(eq(apiTokens.userId, userId))
        .orderBy(asc(apiTokens.createdAt));
      const keys = await tx
        .select()
        .from(passkeys)
        .where(eq(passkeys.userId, userId))
        .orderBy(asc(passkeys.createdAt));
      const portfolio = await portfolioExport(tx, userId);
      const log = await tx
        .select()
        .from(securityEvents)
        .where(eq(securityEvents.userId, userId))
        .orderBy(asc(securityEvents.createdAt));
      return {
        profile: {
          id: user.id,
          username: user.username,
          email: user.email,
          role: user.role,
          createdAt: iso(user.createdAt),
          emailVerifiedAt: isoOrNull(user.emailVerifiedAt),
          twoFactorEnabled: user.totpSecret !== null,
        },
        preferences: preferences?.settings ?? null,
        notificationSettings: settings ?? null,
        watchlist: watchlist.map((item) => ({ symbol: item.symbol, addedAt: iso(item.addedAt) })),
        alerts: rules.map((rule) => ({
          id: rule.id,
          symbol: rule.symbol,
          kind: rule.kind,
          threshold: rule.threshold,
          windowMinutes: rule.windowMinutes,
          frequency: rule.frequency,
          hysteresisPercent: rule.hysteresisPercent,
          cooldownMinutes: rule.cooldownMinutes,
          expiresAt: isoOrNull(rule.expiresAt),
          regularHoursOnly: rule.regularHoursOnly,
          note: rule.note,
          status: rule.status,
          fireCount: rule.fireCount,
          lastFiredAt: isoOrNull(rule.lastFiredAt),
          createdAt: iso(rule.createdAt),
          channels: ruleChannels.filter((link) => link.ruleId === rule.id).map((link) => link.channelId),
        })),
        alertFirings: firings.map((firing) => ({
          id: firing.id,
          alertId: firing.ruleId,
          occurrence: firing.occurrence,
          symbol: firing.symbol,
          kind: firing.kind,
          threshold: firing.threshold,
          price: firing.price,
          firedAt: iso(firing.firedAt),
          message: firing.message,
          simulated: firing.simulated,
        })),
        // No `secret` (the webhook signing key) and nothing of a push subscription (its endpoint is
        // itself a credential, and its keys encrypt the pushes).
        channels: channels.map((channel) => ({
          id: channel.id,
          type: channel.type,
          name: channel.name,
          url: channel.type === 'webhook' ? channel.url : null,
          format: channel.format,
          enabled: channel.enabled,
          createdAt: iso(channel.createdAt),
        })),
        notifications: told.map((item) => ({
          id: item.id,
          kind: item.kind,
          alertId: item.ruleId,
          symbol: item.symbol,
          price: item.price,
          message: item.message,
          createdAt: iso(item.createdAt),
          readAt: isoOrNull(item.readAt),
        })),
        apiTokens: tokens.map((token) => ({
          id: token.id,
          name: token.name,
          scopes: token.scopes,
          lastFour: token.lastFour,
          createdAt: iso(token.createdAt),
          lastUsedAt: isoOrNull(token.lastUsedAt),
          expiresAt: isoOrNull(token.expiresAt),
        })),
        passkeys: keys.map((key) => ({
          name: key.name,
          createdAt: iso(key.createdAt),
          lastUsedAt: isoOrNull(key.lastUsedAt),
        })),
        portfolio,
        securityLog: log.map((event) => ({
          kind: event.kind,
          detail: event.detail,
          address: event.address,
          userAgent: event.userAgent,
          createdAt: iso(event.createdAt),
        })),
      };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}
