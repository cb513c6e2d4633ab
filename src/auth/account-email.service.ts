import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { DomainEventBus } from '../events.js';
import {
  consumeEmailToken,
  deleteEmailTokens,
  type EmailTokenPurpose,
  findAccountByEmail,
  findAccountById,
  findEmailToken,
  insertEmailToken,
  lockEmailTokens,
  markEmailVerified,
  newestEmailTokenAt,
  setPasswordHash,
} from './account.repository.js';
import { type AccountMailer, passwordResetMessage, verificationMessage } from './account-mail.js';
import { hashPassword } from './auth.service.js';
import { passwordProblems } from './password-policy.js';
import type { RequestOrigin, SecurityLog } from './security-log.js';
import { deleteSessionsOfUser } from './sessions.repository.js';
import { hashToken, randomToken } from './tokens.js';

/** How long a password reset or address confirmation link works. */
export const EMAIL_LINK_TTL_MS = 60 * 60 * 1000;
/** A new link is not mailed while the previous one is younger than this (no mail bombing). */
const RESEND_AFTER_MS = 60 * 1000;

/** The pages the links open (the web app's routes); the token rides in the fragment, never sent to a server. */
const RESET_PATH = '/reset-password';
const VERIFY_PATH = '/verify-email';

/**
 * Password reset and address confirmation by email, when the server has SMTP. Requests that mail
 * something answer at once and do their work afterwards, so whether an address has an account shows
 * neither in the answer nor in its timing. Links carry a single-use token valid for an hour; only its
 * hash is stored.
 */
export class AccountEmailService {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly deps: {
      db: Database;
      clock: Clock;
      events: DomainEventBus;
      securityLog: SecurityLog;
      logger: Logger;
      /** Absent without SMTP: every route then answers `email_not_configured`. */
      mailer: AccountMailer | undefined;
      /** The origin links point at (PUBLIC_URL, else the listening address; never a request's Host). */
      linkOrigin: string;
    },
  ) {}

  get available(): boolean {
    return this.deps.mailer !== undefined;
  }

  /** Mails a reset link if `email` belongs to an enabled account; the caller learns nothing either way. */
  requestPasswordReset(email: string, origin: RequestOrigin): void {
    this.requireMail();
    this.inBackground('mailing a password reset link failed', async () => {
      const account = await findAccountByEmail(this.deps.db, email);
      if (!account) return;
      const token = await this.issueToken('password_reset', account.id, account.email);
      if (!token) return;
      await this.deps.securityLog.record({
        kind: 'password_reset_requested',
        userId: account.id,
        ...origin,
      });
      await this.mail(account.email, passwordResetMessage(account.username, this.link(RESET_PATH, token)));
    });
  }

  /** Sets a new password from a reset link: the link is used up and every session of the user ends. */
  async confirmPasswordReset(
    input: { token: string; newPassword: string },
    origin: RequestOrigin,
  ): Promise<void> {
    this.requireMail();
    const { db, clock, securityLog } = this.deps;
    const tokenHash = hashToken(input.token);
    const now = new Date(clock.now());
    const found = await findEmailToken(db, tokenHash, 'password_reset', now);
    const account = found && (await findAccountById(db, found.userId));
    if (!account) throw new AppError('invalid_link');
    const problems = passwordProblems(input.newPassword, account);
    if (problems.length > 0) {
      throw new AppError('validation_error', 'The new password is not acceptable.', {
        newPassword: problems,
      });
    }
    const passwordHash = await hashPassword(input.newPassword);
    await db.transaction(async (tx) => {
      // Used up here, in the same transaction: of two uses at once only one finds it.
      if (!(await consumeEmailToken(tx, tokenHash, 'password_reset', now)))
        throw new AppError('invalid_link');
      await setPasswordHash(tx, account.id, passwordHash);
      await deleteEmailTokens(tx, account.id, 'password_reset');
      await deleteSessionsOfUser(tx, account.id);
      await securityLog.record({ kind: 'password_reset', userId: account.id, ...origin }, tx);
    });
    this.deps.events.emit('auth.sessionsEnded', { userId: account.id, sessions: 'all' });
  }

  /** Mails a link confirming the account's address, unless it is confirmed already. */
  sendVerification(userId: string): void {
    this.requireMail();
    this.inBackground('mailing an address confirmation failed', async () => {
      const account = await findAccountById(this.deps.db, userId);
      if (!account || account.emailVerifiedAt) return;
      const token = await this.issueToken('email_verify', account.id, account.email);
      if (!token) return;
      await this.mail(account.email, verificationMessage(account.username, this.link(VERIFY_PATH, token)));
    });
  }

  /** Confirms the address a link was sent to, if it is still the account's address. */
  async verifyEmail(token: string, origin: RequestOrigin): Promise<void> {
    this.requireMail();
    const { db, clock, securityLog } = this.deps;
    const now = new Date(clock.now());
    await db.transaction(async (tx) => {
      const found = await consumeEmailToken(tx, hashToken(token), 'email_verify', now);
      if (!found || !(await markEmailVerified(tx, found.userId, found.email, now)))
        throw new AppError('invalid_link');
      await securityLog.record(
        { kind: 'email_verified', userId: found.userId, detail: { email: found.email }, ...origin },
        tx,
      );
    });
  }

  async verificationStatus(userId: string): Promise<{ email: string; verified: boolean }> {
    const account = await findAccountById(this.deps.db, userId);
    if (!account) throw new AppError('unauthenticated');
    return { email: account.email, verified: account.emailVerifiedAt !== null };
  }

  /** Waits for mail still being sent (the app is closing). */
  async drain(): Promise<void> {
    await Promise.all(this.pending);
  }

  private requireMail(): void {
    if (!this.available) throw new AppError('email_not_configured');
  }

  /** Stores a new token for a link; undefined when one was mailed moments ago. */
  private async issueToken(purpose: EmailTokenPurpose, userId: string, email: string) {
    const { db, clock } = this.deps;
    return db.transaction(async (tx) => {
      await lockEmailTokens(tx, userId, purpose);
      const now = clock.now();
      const newest = await newestEmailTokenAt(tx, userId, purpose, new Date(now));
      if (newest && now - newest.getTime() < RESEND_AFTER_MS) return undefined;
      const token = randomToken();
      await insertEmailToken(tx, {
        tokenHash: hashToken(token),
        purpose,
        userId,
        email,
        createdAt: new Date(now),
        expiresAt: new Date(now + EMAIL_LINK_TTL_MS),
      });
      return token;
    });
  }

  private link(path: string, token: string): string {
    return `${this.deps.linkOrigin}${path}#token=${token}`;
  }

  private async mail(to: string, message: Parameters<AccountMailer['send']>[1]): Promise<void> {
    await this.deps.mailer?.send(to, message);
  }

  private inBackground(failure: string, work: () => Promise<void>): void {
    const run = work().catch((error: Error) => this.deps.logger.warn({ reason: error.message }, failure));
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }
}
