import { and, asc, desc, eq, gte, ilike, isNull, like, lte, ne, or, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Role } from '../auth/auth.repository.js';
import type { Database } from '../db/database.js';
import { securityEvents, sessions, users } from '../db/schema.js';

export interface AccountRecord {
  id: string;
  username: string;
  email: string;
  role: Role;
  disabledAt: Date | null;
  twoFactorEnabled: boolean;
  createdAt: Date;
  /** The latest any of its sessions was seen; null without a session. */
  lastSeenAt: Date | null;
}

const accountColumns = {
  id: users.id,
  username: users.username,
  email: users.email,
  role: sql<Role>`${users.role}`,
  disabledAt: users.disabledAt,
  twoFactorEnabled: sql<boolean>`${users.totpEnabledAt} is not null`,
  createdAt: users.createdAt,
  lastSeenAt:
    sql<Date | null>`(select max(${sessions.lastSeenAt}) from ${sessions} where ${sessions.userId} = ${users.id})`.mapWith(
      (value: string | Date | null) => (value === null ? null : new Date(value)),
    ),
};

/** `%`, `_` and `\` are LIKE's own characters: a search for them means them. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Accounts whose username or email contains `query` (every account for an empty one), oldest first. */
export async function listAccounts(db: Database, query: string, limit: number): Promise<AccountRecord[]> {
  const pattern = likePattern(query);
  return db
    .select(accountColumns)
    .from(users)
    .where(query ? or(ilike(users.username, pattern), ilike(users.email, pattern)) : undefined)
    .orderBy(asc(users.createdAt), asc(users.id))
    .limit(limit);
}

export async function findAccount(db: Database, id: string): Promise<AccountRecord | undefined> {
  const [row] = await db.select(accountColumns).from(users).where(eq(users.id, id)).limit(1);
  return row;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a name is written as an account id (a UUID) rather than a username or email. */
export function looksLikeId(name: string): boolean {
  return UUID.test(name);
}

/** By username or email (case-insensitive), or by id: how the command line and the audit filter name an account. */
export async function findAccountByName(db: Database, name: string): Promise<AccountRecord | undefined> {
  const lowered = name.toLowerCase();
  const byName = or(eq(sql`lower(${users.username})`, lowered), eq(sql`lower(${users.email})`, lowered));
  const [row] = await db
    .select(accountColumns)
    .from(users)
    .where(looksLikeId(name) ? or(byName, eq(users.id, name)) : byName)
    .limit(1);
  return row;
}

/** Whether an active (not disabled) admin other than `exceptId` exists. */
export async function hasOtherActiveAdmin(db: Database, exceptId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'admin'), isNull(users.disabledAt), ne(users.id, exceptId)))
    .limit(1);
  return row !== undefined;
}

export async function updateAccount(
  db: Database,
  id: string,
  change: { role?: Role; disabledAt?: Date | null },
): Promise<void> {
  await db.update(users).set(change).where(eq(users.id, id));
}

export interface AuditRecord {
  id: string;
  kind: string;
  createdAt: Date;
  userId: string | null;
  username: string | null;
  actorId: string | null;
  actorName: string | null;
  targetId: string | null;
  detail: unknown;
  address: string | null;
  userAgent: string | null;
}

export interface AuditFilter {
  kind?: string;
  /** The account the row is about, the admin who acted, or the account acted on. */
  userId?: string;
  from?: Date;
  to?: Date;
}

/** Admin actions and sign-ins (successful or not), newest first, one page. */
export async function listAudit(
  db: Database,
  filter: AuditFilter,
  page: { limit: number; offset: number },
): Promise<AuditRecord[]> {
  const subject = alias(users, 'subject');
  const actor = alias(users, 'actor');
  const conditions: Array<SQL | undefined> = [
    or(eq(securityEvents.admin, true), like(securityEvents.kind, 'login\\_%')),
    filter.kind ? eq(securityEvents.kind, filter.kind) : undefined,
    filter.userId
      ? or(
          eq(securityEvents.userId, filter.userId),
          eq(securityEvents.actorId, filter.userId),
          eq(securityEvents.targetId, filter.userId),
        )
      : undefined,
    filter.from ? gte(securityEvents.createdAt, filter.from) : undefined,
    filter.to ? lte(securityEvents.createdAt, filter.to) : undefined,
  ];
  return db
    .select({
      id: securityEvents.id,
      kind: securityEvents.kind,
      createdAt: securityEvents.createdAt,
      userId: securityEvents.userId,
      username: subject.username,
      actorId: securityEvents.actorId,
      actorName: actor.username,
      targetId: securityEvents.targetId,
      detail: securityEvents.detail,
      address: securityEvents.address,
      userAgent: securityEvents.userAgent,
    })
    .from(securityEvents)
    .leftJoin(subject, eq(subject.id, securityEvents.userId))
    .leftJoin(actor, eq(actor.id, securityEvents.actorId))
    .where(and(...conditions))
    .orderBy(desc(securityEvents.createdAt), desc(securityEvents.id))
    .limit(page.limit)
    .offset(page.offset);
}
