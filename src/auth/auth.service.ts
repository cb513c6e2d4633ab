import { hash, verify } from '@node-rs/argon2';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { uniqueViolationConstraint } from '../db/database.js';
import { AppError } from '../errors.js';
import * as repo from './auth.repository.js';
import type { LoginThrottle } from './login-throttle.js';
import { passwordProblems } from './password-policy.js';
import type { RequestOrigin, SecurityLog } from './security-log.js';
import { hashToken, randomToken } from './tokens.js';
import type { TwoFactorService } from './two-factor.service.js';

export interface User {
  id: string;
  username: string;
  email: string;
}

export interface Session {
  /** The secret for the cookie; never stored, only its hash is. */
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

/** What a right password gets: a session, or (with two-factor on) a pending login waiting for its code. */
export type LoginOutcome = { user: User; session: Session } | { pendingToken: string };

export interface AuthenticatedSession {
  user: User;
  csrfToken: string;
  tokenHash: string;
  /** Set when the sliding expiry moved: the cookie must be sent again with the new date. */
  renewedUntil?: Date;
}

/**
 * OWASP's minimum for Argon2id: 19 MiB, 2 iterations, 1 lane. Argon2id is the library's default
 * algorithm (its enum is a const enum, which verbatimModuleSyntax cannot import).
 */
const ARGON2_OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export class AuthService {
  /** Verified against when the user does not exist, so both failures take the same time. */
  private readonly dummyHash: Promise<string>;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly throttle: LoginThrottle,
    private readonly sessionTtlMs: number,
    private readonly twoFactor: TwoFactorService,
    private readonly log: SecurityLog,
  ) {
    this.dummyHash = hash(randomToken(), ARGON2_OPTIONS);
  }

  async register(input: {
    username: string;
    email: string;
    password: string;
  }): Promise<{ user: User; session: Session }> {
    const problems = passwordProblems(input.password, input);
    if (problems.length > 0) {
      throw new AppError('validation_error', 'The password is not acceptable.', { password: problems });
    }
    const passwordHash = await hash(input.password, ARGON2_OPTIONS);
    let record: repo.UserRecord;
    try {
      record = await repo.insertUser(this.db, { username: input.username, email: input.email, passwordHash });
    } catch (error) {
      const constraint = uniqueViolationConstraint(error);
      if (constraint?.includes('email'))
        throw new AppError('email_taken', undefined, {
          email: ['An account with that email already exists.'],
        });
      if (constraint !== undefined)
        throw new AppError('username_taken', undefined, { username: ['That username is taken.'] });
      throw error;
    }
    const user = toUser(record);
    return { user, session: await this.startSession(user.id) };
  }

  /**
   * The password step. With two-factor on, a right password starts a pending login instead of a
   * session, and the throttle's failures are not forgiven until the code is right too.
   */
  async login(input: { username: string; password: string }, origin: RequestOrigin): Promise<LoginOutcome> {
    const address = origin.address ?? '';
    const retryAfter = await this.throttle.retryAfterSeconds(input.username, address);
    if (retryAfter > 0) {
      throw new AppError('rate_limited', 'Too many failed logins. Try again later.', undefined, retryAfter);
    }
    const record = await repo.findUserByLogin(this.db, input.username);
    const valid = await verify(record?.passwordHash ?? (await this.dummyHash), input.password).catch(
      () => false,
    );
    if (!record || !valid) {
      await this.throttle.recordFailure(input.username, address);
      await this.log.record({
        kind: 'login_failed',
        userId: record?.id ?? null,
        detail: { method: 'password' },
        ...origin,
      });
      throw new AppError('invalid_credentials');
    }
    if (await this.twoFactor.required(record.id)) {
      return { pendingToken: await this.twoFactor.beginLogin(record.id) };
    }
    this.throttle.recordSuccess(input.username, address);
    await this.log.record({
      kind: 'login_succeeded',
      userId: record.id,
      detail: { method: 'password' },
      ...origin,
    });
    const user = toUser(record);
    return { user, session: await this.startSession(user.id) };
  }

  /** The second step of a two-factor login: a right code (TOTP or recovery) starts the session. */
  async completeLogin(
    input: { pendingToken: string; code: string },
    origin: RequestOrigin,
  ): Promise<{ user: User; session: Session }> {
    const { user, method } = await this.twoFactor.completeLogin(input.pendingToken, input.code, origin);
    await this.log.record({
      kind: 'login_succeeded',
      userId: user.id,
      detail: { method: `password+${method}` },
      ...origin,
    });
    return { user: toUser(user), session: await this.startSession(user.id) };
  }

  /** The session a cookie token belongs to, or null (unknown, expired); extends it when half its life is gone. */
  async authenticate(token: string): Promise<AuthenticatedSession | null> {
    const tokenHash = hashToken(token);
    const now = this.clock.now();
    const found = await repo.findLiveSession(this.db, tokenHash, new Date(now));
    if (!found) return null;
    const result: AuthenticatedSession = { user: found.user, csrfToken: found.session.csrfToken, tokenHash };
    if (found.session.expiresAt.getTime() - now < this.sessionTtlMs / 2) {
      const expiresAt = new Date(now + this.sessionTtlMs);
      await repo.extendSession(this.db, tokenHash, expiresAt);
      result.renewedUntil = expiresAt;
    }
    return result;
  }

  async endSession(tokenHash: string): Promise<void> {
    await repo.deleteSession(this.db, tokenHash);
  }

  async deleteExpiredSessions(): Promise<number> {
    return repo.deleteExpiredSessions(this.db, new Date(this.clock.now()));
  }

  private async startSession(userId: string): Promise<Session> {
    const token = randomToken();
    const session: Session = {
      token,
      csrfToken: randomToken(),
      expiresAt: new Date(this.clock.now() + this.sessionTtlMs),
    };
    await repo.insertSession(this.db, {
      idHash: hashToken(token),
      userId,
      csrfToken: session.csrfToken,
      expiresAt: session.expiresAt,
    });
    return session;
  }
}

function toUser(record: { id: string; username: string; email: string }): User {
  return { id: record.id, username: record.username, email: record.email };
}
