import { and, desc, eq, sql } from 'drizzle-orm';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { securityEvents } from '../db/schema.js';

/** What can happen to an account, as the security log names it. */
export type SecurityEventKind =
  | 'login_succeeded'
  | 'login_failed'
  | 'logout'
  | 'password_changed'
  | 'password_reset_requested'
  | 'password_reset'
  | 'email_verified'
  | 'totp_enabled'
  | 'totp_disabled'
  | 'recovery_code_used'
  | 'passkey_added'
  | 'passkey_removed'
  | 'token_created'
  | 'token_revoked'
  | 'session_revoked'
  | 'sessions_ended'
  | 'account_deleted'
  | 'admin_user_created'
  | 'admin_user_disabled'
  | 'admin_user_enabled'
  | 'admin_user_deleted'
  | 'admin_role_changed'
  | 'admin_password_reset'
  | 'admin_totp_disabled'
  | 'admin_invite_created'
  | 'admin_invite_revoked';

/** Where a request came from, as the log keeps it. */
export interface RequestOrigin {
  address?: string | null;
  userAgent?: string | null;
}

export interface SecurityEventInput extends RequestOrigin {
  kind: SecurityEventKind;
  /** The account it happened to; null for a failed sign-in that matched no account. */
  userId: string | null;
  /** Set for an admin's action: who did it. */
  actorId?: string | null;
  targetId?: string | null;
  detail?: Record<string, unknown> | null;
}

export interface SecurityEventRecord {
  id: string;
  kind: string;
  userId: string | null;
  actorId: string | null;
  admin: boolean;
  targetId: string | null;
  detail: unknown;
  address: string | null;
  userAgent: string | null;
  createdAt: Date;
}

/**
 * The security log: every sign-in, failure, second-factor, passkey, token, password and admin change
 * is one row, written by whatever made the change. A user reads their own rows; admins read the admin
 * actions and sign-ins of everyone.
 */
export class SecurityLog {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async record(event: SecurityEventInput, db: Database = this.db): Promise<void> {
    await db.insert(securityEvents).values({
      kind: event.kind,
      userId: event.userId,
      actorId: event.actorId ?? null,
      admin: event.kind.startsWith('admin_'),
      targetId: event.targetId ?? null,
      detail: event.detail ?? null,
      address: event.address ?? null,
      userAgent: event.userAgent ?? null,
      createdAt: new Date(this.clock.now()),
    });
  }

  /**
   * A user's own log, newest first; `before` (the last row of the previous page) asks for the next
   * page. Rows written in the same millisecond are ordered by id, so a page never skips or repeats one.
   */
  async forUser(
    userId: string,
    { limit, before }: { limit: number; before?: { createdAt: Date; id: string } },
  ): Promise<SecurityEventRecord[]> {
    return this.db
      .select()
      .from(securityEvents)
      .where(
        before
          ? and(
              eq(securityEvents.userId, userId),
              sql`(${securityEvents.createdAt}, ${securityEvents.id}) < (${before.createdAt.toISOString()}::timestamptz, ${before.id}::uuid)`,
            )
          : eq(securityEvents.userId, userId),
      )
      .orderBy(desc(securityEvents.createdAt), desc(securityEvents.id))
      .limit(limit);
  }
}
