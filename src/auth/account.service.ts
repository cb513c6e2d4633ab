import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { DomainEventBus } from '../events.js';
import { deleteEmailTokens, findAccountById, setPasswordHash } from './account.repository.js';
import { type AuthenticatedSession, hashPassword, passwordMatches } from './auth.service.js';
import { deviceOf } from './device.js';
import { type LoginThrottle, throttledAccount } from './login-throttle.js';
import { passwordProblems } from './password-policy.js';
import type { RequestOrigin, SecurityEventRecord, SecurityLog } from './security-log.js';
import { deleteSessionByPublicId, deleteSessionsOfUser, listLiveSessions } from './sessions.repository.js';

export interface SessionView {
  id: string;
  current: boolean;
  userAgent: string | null;
  device: string | null;
  address: string | null;
  createdAt: Date;
  lastSeenAt: Date;
}

export interface SecurityEventView {
  id: string;
  kind: string;
  detail: Record<string, unknown> | null;
  address: string | null;
  userAgent: string | null;
  device: string | null;
  createdAt: Date;
}

/** Where the next page of the security log starts: the last row of this one. */
export interface SecurityLogCursor {
  createdAt: Date;
  id: string;
}

/**
 * The signed-in user's own account: their sessions (list, end one, end all others), their password
 * (changed with the current one) and their security log. Every way a session ends emits
 * `auth.sessionsEnded`, so its open streams close.
 */
export class AccountService {
  constructor(
    private readonly deps: {
      db: Database;
      clock: Clock;
      events: DomainEventBus;
      securityLog: SecurityLog;
      throttle: LoginThrottle;
    },
  ) {}

  async sessions(session: AuthenticatedSession): Promise<SessionView[]> {
    const rows = await listLiveSessions(this.deps.db, session.user.id, new Date(this.deps.clock.now()));
    return rows.map((row) => ({
      id: row.publicId,
      current: row.idHash === session.tokenHash,
      userAgent: row.userAgent,
      device: deviceOf(row.userAgent),
      address: row.address,
      createdAt: row.createdAt,
      lastSeenAt: row.lastSeenAt,
    }));
  }

  /** Ends one of the user's sessions (this one too: that is signing out); answers whether it was this one. */
  async endSession(session: AuthenticatedSession, publicId: string, origin: RequestOrigin): Promise<boolean> {
    const { db, securityLog } = this.deps;
    const userId = session.user.id;
    const idHash = await db.transaction(async (tx) => {
      const ended = await deleteSessionByPublicId(tx, userId, publicId);
      if (ended === undefined) throw new AppError('session_not_found');
      await securityLog.record({ kind: 'session_revoked', userId, targetId: publicId, ...origin }, tx);
      return ended;
    });
    this.deps.events.emit('auth.sessionsEnded', { userId, sessions: [idHash] });
    return idHash === session.tokenHash;
  }

  /** Ends every session of the user but this one; answers how many ended. */
  async endOtherSessions(session: AuthenticatedSession, origin: RequestOrigin): Promise<number> {
    const { db, securityLog } = this.deps;
    const userId = session.user.id;
    const ended = await db.transaction(async (tx) => {
      const hashes = await deleteSessionsOfUser(tx, userId, session.tokenHash);
      await securityLog.record(
        { kind: 'sessions_ended', userId, detail: { count: hashes.length }, ...origin },
        tx,
      );
      return hashes;
    });
    if (ended.length > 0) this.deps.events.emit('auth.sessionsEnded', { userId, sessions: ended });
    return ended.length;
  }

  /**
   * Sets a new password, given the current one (its wrong guesses count like failed logins): every
   * other session ends, this one stays. Answers how many sessions ended.
   */
  async changePassword(
    session: AuthenticatedSession,
    input: { currentPassword: string; newPassword: string },
    origin: RequestOrigin & { address: string },
  ): Promise<number> {
    const { db, throttle, securityLog } = this.deps;
    const userId = session.user.id;
    const account = throttledAccount(userId, session.user.username);
    const retryAfter = await throttle.retryAfterSeconds(account, origin.address);
    if (retryAfter > 0) {
      throw new AppError('rate_limited', 'Too many wrong passwords. Try again later.', undefined, retryAfter);
    }
    const record = await findAccountById(db, userId);
    if (!record || !(await passwordMatches(record.passwordHash, input.currentPassword))) {
      await throttle.recordFailure(account, origin.address);
      throw new AppError('wrong_password', undefined, {
        currentPassword: ['The current password is wrong.'],
      });
    }
    throttle.recordSuccess(account, origin.address);
    const problems = passwordProblems(input.newPassword, record);
    if (problems.length > 0) {
      throw new AppError('validation_error', 'The new password is not acceptable.', {
        newPassword: problems,
      });
    }
    const passwordHash = await hashPassword(input.newPassword);
    const ended = await db.transaction(async (tx) => {
      await setPasswordHash(tx, userId, passwordHash);
      await deleteEmailTokens(tx, userId, 'password_reset');
      const hashes = await deleteSessionsOfUser(tx, userId, session.tokenHash);
      await securityLog.record(
        { kind: 'password_changed', userId, detail: { sessionsEnded: hashes.length }, ...origin },
        tx,
      );
      return hashes;
    });
    if (ended.length > 0) this.deps.events.emit('auth.sessionsEnded', { userId, sessions: ended });
    return ended.length;
  }

  /** A page of the user's security log, newest first, and where the next page starts (null at the end). */
  async securityLog(
    userId: string,
    { limit, before }: { limit: number; before?: SecurityLogCursor },
  ): Promise<{ items: SecurityEventView[]; next: SecurityLogCursor | null }> {
    const rows = await this.deps.securityLog.forUser(userId, { limit: limit + 1, before });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toEventView),
      next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null,
    };
  }
}

function toEventView(row: SecurityEventRecord): SecurityEventView {
  const detail = row.detail;
  return {
    id: row.id,
    kind: row.kind,
    detail:
      detail !== null && typeof detail === 'object' && !Array.isArray(detail)
        ? (detail as Record<string, unknown>)
        : null,
    address: row.address,
    userAgent: row.userAgent,
    device: deviceOf(row.userAgent),
    createdAt: row.createdAt,
  };
}
