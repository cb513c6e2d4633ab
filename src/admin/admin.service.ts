import { randomBytes } from 'node:crypto';
import { deleteUser } from '../account-data/account-data.repository.js';
import { announceDeletedAccount } from '../account-data/account-data.service.js';
import { setPasswordHash } from '../auth/account.repository.js';
import { deleteSessionsOfUser, inAccountsTurn, type Role } from '../auth/auth.repository.js';
import { type AuthService, hashPassword, type User } from '../auth/auth.service.js';
import { deleteInvite, insertInvite, listInvites } from '../auth/invites.repository.js';
import type { RequestOrigin, SecurityEventKind, SecurityLog } from '../auth/security-log.js';
import { hashToken } from '../auth/tokens.js';
import { disableTotp } from '../auth/two-factor.repository.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { DomainEventBus } from '../events.js';
import * as repo from './admin.repository.js';
import type { AdminUser, AuditEntry, Invite } from './admin.schemas.js';

/** Who does an admin action: an admin's session (`id`), or the command line (`id` null). */
export interface Actor extends RequestOrigin {
  id: string | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_LISTED_USERS = 200;

export interface AdminServiceOptions {
  db: Database;
  clock: Clock;
  auth: AuthService;
  securityLog: SecurityLog;
  events: DomainEventBus;
  /** Invitation links start here; without it, at the address the admin's request came to. */
  publicUrl: URL | undefined;
  /** How many audit rows a page holds. */
  auditPage: number;
}

/**
 * Running the instance: accounts (search, disable, roles, delete), invitations and the audit log,
 * for the admin console and `npm run admin` alike. Every action is written to the security log with
 * who did it; every change of who may administer is decided under the accounts lock, so at least
 * one active admin always remains.
 */
export class AdminService {
  constructor(private readonly options: AdminServiceOptions) {}

  async listUsers(query: string): Promise<AdminUser[]> {
    const rows = await repo.listAccounts(this.options.db, query, MAX_LISTED_USERS);
    return rows.map(toAdminUser);
  }

  /** The account a command line argument names (username, email or id); 404 `user_not_found`. */
  async findUser(name: string): Promise<AdminUser> {
    const row = await repo.findAccountByName(this.options.db, name);
    if (!row) throw new AppError('user_not_found', `No account is called "${name}".`);
    return toAdminUser(row);
  }

  async updateUser(
    actor: Actor,
    id: string,
    change: { disabled?: boolean; role?: Role },
  ): Promise<AdminUser> {
    const { db, clock, securityLog } = this.options;
    let sessionsEnded = false;
    const updated = await inAccountsTurn(db, async (tx) => {
      const row = await repo.findAccount(tx, id);
      if (!row) throw new AppError('user_not_found');
      const role = change.role ?? row.role;
      const disabled = change.disabled ?? row.disabledAt !== null;
      const wasActiveAdmin = row.role === 'admin' && row.disabledAt === null;
      if (wasActiveAdmin && (role !== 'admin' || disabled) && !(await repo.hasOtherActiveAdmin(tx, id))) {
        throw new AppError('last_admin');
      }
      const events: Array<{ kind: SecurityEventKind; detail?: Record<string, unknown> }> = [];
      if (role !== row.role)
        events.push({ kind: 'admin_role_changed', detail: { from: row.role, to: role } });
      if (disabled !== (row.disabledAt !== null)) {
        events.push({ kind: disabled ? 'admin_user_disabled' : 'admin_user_enabled' });
      }
      if (events.length === 0) return row;
      await repo.updateAccount(tx, id, {
        role,
        disabledAt: disabled ? (row.disabledAt ?? new Date(clock.now())) : null,
      });
      if (disabled && row.disabledAt === null) {
        await deleteSessionsOfUser(tx, id);
        sessionsEnded = true;
      }
      for (const event of events) {
        await securityLog.record({ ...event, ...origin(actor), userId: id, targetId: id }, tx);
      }
      const after = await repo.findAccount(tx, id);
      if (!after) throw new Error('the account vanished inside its own transaction');
      return after;
    });
    if (sessionsEnded) this.options.events.emit('auth.sessionsEnded', { userId: id, sessions: 'all' });
    return toAdminUser(updated);
  }

  /**
   * Deletes an account and all its data. What other modules keep of it in memory is given up
   * first, through their own services, once the checks have passed.
   */
  async deleteUser(actor: Actor, id: string): Promise<void> {
    const { db, securityLog } = this.options;
    const deleted = await inAccountsTurn(db, async (tx) => {
      const row = await this.requireDeletable(tx, id);
      const gone = await deleteUser(tx, id);
      if (!gone) throw new AppError('user_not_found');
      await securityLog.record(
        {
          kind: 'admin_user_deleted',
          ...origin(actor),
          userId: null,
          targetId: id,
          detail: { username: row.username, email: row.email },
        },
        tx,
      );
      return gone;
    });
    announceDeletedAccount(this.options.events, id, deleted);
  }

  private async requireDeletable(db: Database, id: string): Promise<repo.AccountRecord> {
    const row = await repo.findAccount(db, id);
    if (!row) throw new AppError('user_not_found');
    if (row.role === 'admin' && row.disabledAt === null && !(await repo.hasOtherActiveAdmin(db, id))) {
      throw new AppError('last_admin');
    }
    return row;
  }

  async listInvites(): Promise<Invite[]> {
    const now = this.options.clock.now();
    const rows = await listInvites(this.options.db);
    return rows.map((row) => ({
      id: row.id,
      status: row.usedAt ? 'used' : row.expiresAt.getTime() <= now ? 'expired' : 'open',
      createdAt: row.createdAt.toISOString(),
      expiresAt: row.expiresAt.toISOString(),
      createdBy: row.createdBy,
      usedAt: row.usedAt?.toISOString() ?? null,
      usedBy: row.usedBy,
    }));
  }

  /** A single-use invitation; the code is returned this once (only its hash is kept). */
  async createInvite(
    actor: Actor,
    expiresInDays: number,
    requestOrigin: string,
  ): Promise<{ id: string; code: string; url: string; expiresAt: string }> {
    const { db, clock, securityLog } = this.options;
    const code = randomBytes(16).toString('base64url');
    const now = clock.now();
    const expiresAt = new Date(now + expiresInDays * DAY_MS);
    const { id } = await db.transaction(async (tx) => {
      const invite = await insertInvite(tx as unknown as Database, {
        codeHash: hashToken(code),
        createdBy: actor.id,
        expiresAt,
        createdAt: new Date(now),
      });
      await securityLog.record(
        {
          kind: 'admin_invite_created',
          ...origin(actor),
          userId: actor.id,
          targetId: invite.id,
          detail: { expiresAt: expiresAt.toISOString() },
        },
        tx as unknown as Database,
      );
      return invite;
    });
    const base = this.options.publicUrl?.origin ?? requestOrigin;
    const url = new URL(`/register?invite=${encodeURIComponent(code)}`, base).toString();
    return { id, code, url, expiresAt: expiresAt.toISOString() };
  }

  async revokeInvite(actor: Actor, id: string): Promise<void> {
    const { db, securityLog } = this.options;
    await db.transaction(async (tx) => {
      if (!(await deleteInvite(tx as unknown as Database, id))) throw new AppError('invite_not_found');
      await securityLog.record(
        { kind: 'admin_invite_revoked', ...origin(actor), userId: actor.id, targetId: id },
        tx as unknown as Database,
      );
    });
  }

  async audit(
    filter: { kind?: string; user?: string; from?: Date; to?: Date },
    offset: number,
  ): Promise<{ items: AuditEntry[]; nextOffset: number | null }> {
    const { db, auditPage } = this.options;
    let userId: string | undefined;
    if (filter.user !== undefined) {
      const named = await repo.findAccountByName(db, filter.user);
      // An account that is gone is still named by id in the rows about it.
      userId = named?.id ?? (repo.looksLikeId(filter.user) ? filter.user : undefined);
      if (!userId) return { items: [], nextOffset: null };
    }
    const rows = await repo.listAudit(
      db,
      { kind: filter.kind, userId, from: filter.from, to: filter.to },
      { limit: auditPage + 1, offset },
    );
    return {
      items: rows.slice(0, auditPage).map(toAuditEntry),
      nextOffset: rows.length > auditPage ? offset + auditPage : null,
    };
  }

  /** `npm run admin -- create-user`: an account made by the operator, whatever the registration mode. */
  async createUser(
    actor: Actor,
    input: { username: string; email: string; password: string; admin: boolean },
  ): Promise<User> {
    const user = await this.options.auth.createAccount({
      username: input.username,
      email: input.email,
      password: input.password,
      role: input.admin ? 'admin' : 'user',
    });
    await this.options.securityLog.record({
      kind: 'admin_user_created',
      ...origin(actor),
      userId: user.id,
      targetId: user.id,
      detail: { role: user.role },
    });
    return user;
  }

  /** Sets a new password (the operator's, or generated) and ends every session of the account. */
  async resetPassword(actor: Actor, id: string, password = generatePassword()): Promise<string> {
    const { db, securityLog } = this.options;
    const passwordHash = await hashPassword(password);
    await db.transaction(async (tx) => {
      const database = tx as unknown as Database;
      if (!(await repo.findAccount(database, id))) throw new AppError('user_not_found');
      await setPasswordHash(database, id, passwordHash);
      await deleteSessionsOfUser(database, id);
      await securityLog.record(
        { kind: 'admin_password_reset', ...origin(actor), userId: id, targetId: id },
        database,
      );
    });
    this.options.events.emit('auth.sessionsEnded', { userId: id, sessions: 'all' });
    return password;
  }

  /** For a user locked out of their second factor: two-factor sign-in off, recovery codes gone. */
  async disableTwoFactor(actor: Actor, id: string): Promise<void> {
    const { db, securityLog } = this.options;
    await db.transaction(async (tx) => {
      const database = tx as unknown as Database;
      if (!(await repo.findAccount(database, id))) throw new AppError('user_not_found');
      await disableTotp(database, id);
      await securityLog.record(
        { kind: 'admin_totp_disabled', ...origin(actor), userId: id, targetId: id },
        database,
      );
    });
  }
}

/** 120 random bits, 20 characters: past any strength estimate, and typed once. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

function origin(actor: Actor): {
  actorId: string | null;
  address?: string | null;
  userAgent?: string | null;
} {
  return {
    actorId: actor.id,
    address: actor.address ?? null,
    userAgent: actor.userAgent ?? null,
  };
}

function toAdminUser(row: repo.AccountRecord): AdminUser {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    role: row.role,
    disabled: row.disabledAt !== null,
    twoFactorEnabled: row.twoFactorEnabled,
    createdAt: row.createdAt.toISOString(),
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
  };
}

function toAuditEntry(row: repo.AuditRecord): AuditEntry {
  return {
    id: row.id,
    kind: row.kind,
    at: row.createdAt.toISOString(),
    user: row.userId ? { id: row.userId, username: row.username } : null,
    actor: row.actorId ? { id: row.actorId, username: row.actorName } : null,
    targetId: row.targetId,
    detail: isRecord(row.detail) ? row.detail : null,
    address: row.address,
    userAgent: row.userAgent,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
