import { and, asc, count, desc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { alertEvents, alertRuleChannels, alertRules } from '../db/schema.js';
import { insertDeliveries } from '../delivery/deliveries.repository.js';
import { insertNotification, insertNotifications } from '../notifications/notifications.repository.js';
import type { AlertKind, AlertStatus } from './alerts.schemas.js';

export interface AlertRuleRow {
  id: string;
  userId: string;
  /** Null for `portfolio_day_move`. */
  symbol: string | null;
  kind: AlertKind;
  threshold: number;
  windowMinutes: number | null;
  frequency: 'once' | 'rearm';
  hysteresisPercent: number;
  cooldownMinutes: number;
  expiresAt: Date | null;
  regularHoursOnly: boolean;
  note: string | null;
  status: AlertStatus;
  pausedReason: 'user' | 'flood' | null;
  armed: boolean;
  fireCount: number;
  lastFiredAt: Date | null;
  createdAt: Date;
  channels: string[];
}

export type NewAlertRule = Omit<
  AlertRuleRow,
  'id' | 'status' | 'pausedReason' | 'armed' | 'fireCount' | 'lastFiredAt' | 'createdAt'
>;

const ruleColumns = {
  id: alertRules.id,
  userId: alertRules.userId,
  symbol: alertRules.symbol,
  kind: alertRules.kind,
  threshold: alertRules.threshold,
  windowMinutes: alertRules.windowMinutes,
  frequency: alertRules.frequency,
  hysteresisPercent: alertRules.hysteresisPercent,
  cooldownMinutes: alertRules.cooldownMinutes,
  expiresAt: alertRules.expiresAt,
  regularHoursOnly: alertRules.regularHoursOnly,
  note: alertRules.note,
  status: alertRules.status,
  pausedReason: alertRules.pausedReason,
  armed: alertRules.armed,
  fireCount: alertRules.fireCount,
  lastFiredAt: alertRules.lastFiredAt,
  createdAt: alertRules.createdAt,
  channels: sql<
    string[]
  >`coalesce((select array_agg(${alertRuleChannels.channelId}::text order by ${alertRuleChannels.channelId}) from ${alertRuleChannels} where ${alertRuleChannels.ruleId} = ${alertRules.id}), '{}')`,
};

type SelectedRule = { [K in keyof typeof ruleColumns]: unknown } & Record<string, unknown>;

function toRow(row: SelectedRule): AlertRuleRow {
  return row as unknown as AlertRuleRow;
}

export async function countActiveRules(db: Database, userId: string): Promise<number> {
  const [row] = await db
    .select({ active: count() })
    .from(alertRules)
    .where(and(eq(alertRules.userId, userId), eq(alertRules.status, 'active')));
  return row?.active ?? 0;
}

export async function insertRule(db: Database, rule: NewAlertRule): Promise<AlertRuleRow> {
  return db.transaction(async (tx) => {
    const { channels, ...values } = rule;
    const [inserted] = await tx
      .insert(alertRules)
      .values({ ...values, status: 'active', armed: true })
      .returning({ id: alertRules.id });
    const id = (inserted as { id: string }).id;
    await replaceChannels(tx, id, channels);
    return (await findRule(tx, rule.userId, id)) as AlertRuleRow;
  });
}

async function replaceChannels(db: Database, ruleId: string, channels: readonly string[]): Promise<void> {
  await db.delete(alertRuleChannels).where(eq(alertRuleChannels.ruleId, ruleId));
  if (channels.length > 0) {
    await db.insert(alertRuleChannels).values(channels.map((channelId) => ({ ruleId, channelId })));
  }
}

export async function listRules(db: Database, userId: string): Promise<AlertRuleRow[]> {
  const rows = await db
    .select(ruleColumns)
    .from(alertRules)
    .where(eq(alertRules.userId, userId))
    .orderBy(asc(alertRules.createdAt), asc(alertRules.id));
  return rows.map(toRow);
}

export async function findRule(db: Database, userId: string, id: string): Promise<AlertRuleRow | undefined> {
  const [row] = await db
    .select(ruleColumns)
    .from(alertRules)
    .where(and(eq(alertRules.userId, userId), eq(alertRules.id, id)));
  return row ? toRow(row) : undefined;
}

/** A rule by id alone (a change told by another instance). */
export async function findRuleById(db: Database, id: string): Promise<AlertRuleRow | undefined> {
  const [row] = await db.select(ruleColumns).from(alertRules).where(eq(alertRules.id, id));
  return row ? toRow(row) : undefined;
}

/** Every active rule, for the evaluator at start. */
export async function listActiveRules(db: Database): Promise<AlertRuleRow[]> {
  const rows = await db.select(ruleColumns).from(alertRules).where(eq(alertRules.status, 'active'));
  return rows.map(toRow);
}

/** A user's active position and portfolio rules (their levels follow the user's holdings). */
export async function listActiveHoldingRules(db: Database, userId: string): Promise<AlertRuleRow[]> {
  const rows = await db
    .select(ruleColumns)
    .from(alertRules)
    .where(
      and(
        eq(alertRules.userId, userId),
        eq(alertRules.status, 'active'),
        inArray(alertRules.kind, ['position_gain', 'position_loss', 'portfolio_day_move']),
      ),
    );
  return rows.map(toRow);
}

/** When a portfolio rule last fired up and down (epoch ms), null where it never did. */
export interface DirectionFirings {
  up: number | null;
  down: number | null;
}

/**
 * The last firing per direction of each portfolio rule: its events' threshold is the level it
 * crossed, signed (negative for a fall).
 */
export async function lastFiringsByDirection(
  db: Database,
  ruleIds: readonly string[],
): Promise<Map<string, DirectionFirings>> {
  const rows = await db
    .select({
      ruleId: alertEvents.ruleId,
      up: sql<boolean>`${alertEvents.threshold} > 0`,
      firedAt: sql<Date>`max(${alertEvents.firedAt})`.mapWith(alertEvents.firedAt),
    })
    .from(alertEvents)
    .where(inArray(alertEvents.ruleId, [...ruleIds]))
    .groupBy(alertEvents.ruleId, sql`${alertEvents.threshold} > 0`);
  const byRule = new Map<string, DirectionFirings>();
  for (const row of rows) {
    const firings = byRule.get(row.ruleId) ?? { up: null, down: null };
    firings[row.up ? 'up' : 'down'] = row.firedAt.getTime();
    byRule.set(row.ruleId, firings);
  }
  return byRule;
}

/** Firing times of the last hour per rule (the flood guard's memory across a restart). */
export async function recentFiringTimes(db: Database, since: Date): Promise<Map<string, number[]>> {
  const rows = await db
    .select({ ruleId: alertEvents.ruleId, firedAt: alertEvents.firedAt })
    .from(alertEvents)
    .where(gt(alertEvents.firedAt, since))
    .orderBy(asc(alertEvents.firedAt));
  const byRule = new Map<string, number[]>();
  for (const row of rows) {
    const times = byRule.get(row.ruleId) ?? [];
    times.push(row.firedAt.getTime());
    byRule.set(row.ruleId, times);
  }
  return byRule;
}

export type RuleChange = Partial<
  Pick<
    AlertRuleRow,
    | 'threshold'
    | 'windowMinutes'
    | 'frequency'
    | 'hysteresisPercent'
    | 'cooldownMinutes'
    | 'expiresAt'
    | 'regularHoursOnly'
    | 'note'
    | 'status'
    | 'pausedReason'
    | 'armed'
  >
> & { channels?: string[] };

export async function updateRule(
  db: Database,
  userId: string,
  id: string,
  change: RuleChange,
  at: Date,
): Promise<AlertRuleRow | undefined> {
  return db.transaction(async (tx) => {
    const { channels, ...values } = change;
    const updated = await tx
      .update(alertRules)
      .set({ ...values, updatedAt: at })
      .where(and(eq(alertRules.userId, userId), eq(alertRules.id, id)))
      .returning({ id: alertRules.id });
    if (updated.length === 0) return undefined;
    if (channels) await replaceChannels(tx, id, channels);
    return findRule(tx, userId, id);
  });
}

export async function deleteRule(db: Database, userId: string, id: string): Promise<boolean> {
  const deleted = await db
    .delete(alertRules)
    .where(and(eq(alertRules.userId, userId), eq(alertRules.id, id)))
    .returning({ id: alertRules.id });
  return deleted.length > 0;
}

/** A firing to store: what its event row says (`AlertEventRow` but the id it gets), and more. */
export interface FiringRecord extends Omit<AlertEventRow, 'id'> {
  userId: string;
  /** The rule as it was when it fired (kept with the firing). */
  rule: Record<string, unknown>;
  /** When it is stored (the app's clock): its deliveries are due then. */
  storedAt: Date;
  /** The rule's state after the firing. */
  state: { status: AlertStatus; armed: boolean; fireCount: number; lastFiredAt: Date };
}

/**
 * Stores firings, each once: its event row, the rule's new state, the notification and one outbox
 * row per enabled channel of the rule, all in one transaction, in a fixed number of statements
 * whatever the number of firings (a burst after a gap or a restart is one write). The (rule,
 * occurrence) key makes a retry or a replay of a firing write nothing for it: its answer is null.
 * Answers, in the order given, each firing's id or null.
 */
export async function recordFirings(
  db: Database,
  firings: readonly FiringRecord[],
): Promise<Array<{ id: string } | null>> {
  if (firings.length === 0) return [];
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(alertEvents)
      .values(
        firings.map((firing) => ({
          ruleId: firing.ruleId,
          userId: firing.userId,
          occurrence: firing.occurrence,
          symbol: firing.symbol,
          kind: firing.kind,
          threshold: firing.threshold,
          price: firing.price,
          firedAt: firing.firedAt,
          message: firing.message,
          simulated: firing.simulated,
          rule: firing.rule,
        })),
      )
      .onConflictDoNothing()
      .returning({ id: alertEvents.id, ruleId: alertEvents.ruleId, occurrence: alertEvents.occurrence });
    const idOf = new Map(inserted.map((event) => [`${event.ruleId}/${event.occurrence}`, event.id]));
    const stored = firings.flatMap((firing) => {
      const id = idOf.get(`${firing.ruleId}/${firing.occurrence}`);
      return id ? [{ id, firing }] : [];
    });
    if (stored.length === 0) return firings.map(() => null);

    // A rule that fired twice in the batch ends in its later state.
    const states = new Map(stored.map(({ firing }) => [firing.ruleId, firing]));
    const values = sql.join(
      [...states.values()].map(
        ({ ruleId, state }) =>
          sql`(${ruleId}::uuid, ${state.status}, ${state.armed}::boolean, ${state.fireCount}::integer, ${state.lastFiredAt.toISOString()}::timestamptz)`,
      ),
      sql`, `,
    );
    await tx.execute(sql`
      update ${alertRules} set status = v.status, armed = v.armed, fire_count = v.fire_count,
        last_fired_at = v.last_fired_at, paused_reason = null, updated_at = v.last_fired_at
      from (values ${values}) as v(id, status, armed, fire_count, last_fired_at)
      where ${alertRules.id} = v.id`);
    await insertNotifications(
      tx,
      stored.map(({ id, firing }) => ({
        userId: firing.userId,
        kind: 'alert_fired' as const,
        eventId: id,
        ruleId: firing.ruleId,
        symbol: firing.symbol,
        price: firing.price,
        message: firing.message,
        createdAt: firing.firedAt,
      })),
    );
    const links = await tx
      .select({ ruleId: alertRuleChannels.ruleId, channelId: alertRuleChannels.channelId })
      .from(alertRuleChannels)
      .where(inArray(alertRuleChannels.ruleId, [...states.keys()]));
    const channelsOf = new Map<string, string[]>();
    for (const link of links)
      channelsOf.set(link.ruleId, [...(channelsOf.get(link.ruleId) ?? []), link.channelId]);
    await insertDeliveries(
      tx,
      stored.map(({ id, firing }) => ({
        eventId: id,
        userId: firing.userId,
        channelIds: channelsOf.get(firing.ruleId) ?? [],
      })),
      // Every firing of the batch is due when the batch is stored.
      firings[0]?.storedAt ?? new Date(),
    );
    return firings.map((firing) => {
      const id = idOf.get(`${firing.ruleId}/${firing.occurrence}`);
      return id ? { id } : null;
    });
  });
}

/** The flood guard paused a rule: store it and tell the user. */
export async function recordFlood(
  db: Database,
  rule: { id: string; userId: string; symbol: string | null },
  message: string,
  at: Date,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(alertRules)
      .set({ status: 'paused', pausedReason: 'flood', updatedAt: at })
      .where(eq(alertRules.id, rule.id));
    await insertNotification(tx, {
      userId: rule.userId,
      kind: 'alert_paused',
      ruleId: rule.id,
      symbol: rule.symbol,
      message,
      createdAt: at,
    });
  });
}

/** Rearm rules that came back past their threshold. */
export async function saveArmed(db: Database, ruleIds: readonly string[]): Promise<void> {
  if (ruleIds.length === 0) return;
  await db
    .update(alertRules)
    .set({ armed: true })
    .where(inArray(alertRules.id, [...ruleIds]));
}

/** Marks the active rules whose expiry has passed as expired; answers them. */
export async function expireRules(
  db: Database,
  now: Date,
): Promise<Array<{ id: string; symbol: string | null }>> {
  return db
    .update(alertRules)
    .set({ status: 'expired', updatedAt: now })
    .where(and(eq(alertRules.status, 'active'), lte(alertRules.expiresAt, now)))
    .returning({ id: alertRules.id, symbol: alertRules.symbol });
}

export interface AlertEventRow {
  id: string;
  ruleId: string;
  occurrence: number;
  symbol: string | null;
  kind: AlertKind;
  threshold: number;
  price: number;
  firedAt: Date;
  message: string;
  simulated: boolean;
}

const eventColumns = {
  id: alertEvents.id,
  ruleId: alertEvents.ruleId,
  occurrence: alertEvents.occurrence,
  symbol: alertEvents.symbol,
  kind: alertEvents.kind,
  threshold: alertEvents.threshold,
  price: alertEvents.price,
  firedAt: alertEvents.firedAt,
  message: alertEvents.message,
  simulated: alertEvents.simulated,
};

/** A rule's firings, newest first. */
export async function listEvents(db: Database, ruleId: string, limit: number): Promise<AlertEventRow[]> {
  const rows = await db
    .select(eventColumns)
    .from(alertEvents)
    .where(eq(alertEvents.ruleId, ruleId))
    .orderBy(desc(alertEvents.occurrence))
    .limit(limit);
  return rows as AlertEventRow[];
}

export async function findEvent(
  db: Database,
  userId: string,
  id: string,
): Promise<AlertEventRow | undefined> {
  const [row] = await db
    .select(eventColumns)
    .from(alertEvents)
    .where(and(eq(alertEvents.userId, userId), eq(alertEvents.id, id)));
  return row as AlertEventRow | undefined;
}
