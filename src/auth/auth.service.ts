import { hash, verify } from '@node-rs/argon2';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { uniqueViolationConstraint } from '../db/database.js';
import { AppError } from '../errors.js';
import type { DomainEventBus } from '../events.js';
import * as repo from './auth.repository.js';
import { claimInvite, isInviteUsable } from './invites.repository.js';
import { type LoginThrottle, throttledAccount } from './login-throttle.js';
import { passwordProblems } from './password-policy.js';
import type { RequestOrigin, SecurityLog } from './security-log.js';
import { hashToken, randomToken } from './tokens.js';
import type { TwoFactorService } from './two-factor.service.js';

export interface User {
  id: string;
  username: string;
  email: string;
  role: repo.Role;
}

/** Who may create an account (`REGISTRATION`); the first account may always be created. */
export type RegistrationMode = 'open' | 'invite' | 'closed';

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
  /** The id the sessions list shows for it. */
  sessionId: string;
  /** Set when the sliding expiry moved: the cookie must be sent again with the new date. */
  renewedUntil?: Date;
}

/**
 * OWASP's minimum for Argon2id: 19 MiB, 2 iterations, 1 lane. Argon2id is the library's default
 * algorithm (its enum is a const enum, which verbatimModuleSyntax cannot import).
 */
const ARGON2_OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** The stored form of a password: every password set anywhere goes through this. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** Whether `password` matches the stored hash; false (not an error) for a malformed hash. */
export function passwordMatches(passwordHash: string, password: string): Promise<boolean> {
  return verify(passwordHash, password).catch(() => false);
}

/** A session's last-seen time is written at most this often. */
const LAST_SEEN_EVERY_MS = 60_000;
/** User agents longer than this are cut: the header is the client's to fill. */
const MAX_USER_AGENT = 512;

export class AuthService {
  /** Verified against when the user does not exist, so both failures take the same time. */
  private readonly dummyHash: Promise<string>;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly throttle: LoginThrottle,
    private readonly sessionTtlMs: number,
    private readonly twoFactor: TwoFactorService,
    private readonly events: DomainEventBus,
    private readonly securityLog: SecurityLog,
    private readonly registration: RegistrationMode = 'open',
  ) {
    this.dummyHash = hashPassword(randomToken());
  }

  async register(
    input: {
      username: string;
      email: string;
      password: string;
      inviteCode?: string;
    },
    origin: RequestOrigin,
  ): Promise<{ user: User; session: Session }> {
    const { inviteCode, ...account } = input;
    // Refused before the costly hash when it is certain; decided for good in the insert's transaction.
    if (await repo.hasUsers(this.db)) await this.requireAdmission(inviteCode);
    const user = await this.insertAccount(account, undefined, async (tx, created, firstAccount) => {
      if (!firstAccount) await this.admit(tx, created.id, inviteCode);
    });
    const session = await this.startSession(user.id, origin);
    this.events.emit('auth.registered', { userId: user.id, email: user.email });
    return { user, session };
  }

  /** The registration mode as the register page shows it: `firstAccount` while no account exists. */
  async registrationStatus(): Promise<{ mode: RegistrationMode; firstAccount: boolean }> {
    return { mode: this.registration, firstAccount: !(await repo.hasUsers(this.db)) };
  }

  /**
   * An account made by an administrator (the admin CLI): no registration mode applies and no
   * session starts. The first account of an installation is an admin whatever `role` says.
   */
  async createAccount(input: {
    username: string;
    email: string;
    password: string;
    role: repo.Role;
  }): Promise<User> {
    const { role, ...account } = input;
    return this.insertAccount(account, role);
  }

  private async insertAccount(
    input: { username: string; email: string; password: string },
    role: repo.Role | undefined,
    admit?: Parameters<typeof repo.insertUser>[2],
  ): Promise<User> {
    const problems = passwordProblems(input.password, input);
    if (problems.length > 0) {
      throw new AppError('validation_error', 'The password is not acceptable.', { password: problems });
    }
    const passwordHash = await hashPassword(input.password);
    try {
      const record = await repo.insertUser(
        this.db,
        { username: input.username, email: input.email.toLowerCase(), passwordHash, role },
        admit,
      );
      return toUser(record);
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
  }

  /** Throws unless the registration mode lets this visitor in (checked while accounts exist). */
  private async requireAdmission(inviteCode: string | undefined): Promise<void> {
    if (this.registration === 'closed') throw new AppError('registration_closed');
    if (this.registration !== 'invite') return;
    if (inviteCode === undefined) {
      throw new AppError('invite_invalid', 'Registration on this server needs an invitation.');
    }
    if (!(await isInviteUsable(this.db, hashToken(inviteCode), new Date(this.clock.now())))) {
      throw new AppError('invite_invalid');
    }
  }

  /** In the insert's transaction: the mode's final word, and the invitation used up. */
  private async admit(tx: Database, userId: string, inviteCode: string | undefined): Promise<void> {
    if (this.registration === 'open') return;
    if (this.registration === 'closed') throw new AppError('registration_closed');
    const claimed =
      inviteCode !== undefined &&
      (await claimInvite(tx, hashToken(inviteCode), userId, new Date(this.clock.now())));
    if (!claimed) throw new AppError('invite_invalid');
  }

  /**
   * The password step. With two-factor on, a right password starts a pending login instead of a
   * session, and the throttle's failures are not forgiven until the code is right too.
   */
  async login(
    input: { username: string; password: string },
    origin: RequestOrigin & { address: string },
  ): Promise<LoginOutcome> {
    const record = await repo.findUserByLogin(this.db, input.username);
    const account = throttledAccount(record?.id, input.username);
    const retryAfter = await this.throttle.retryAfterSeconds(account, origin.address);
    if (retryAfter > 0) {
      throw new AppError('rate_limited', 'Too many failed logins. Try again later.', undefined, retryAfter);
    }
    const valid = await passwordMatches(record?.passwordHash ?? (await this.dummyHash), input.password);
    if (!record || !valid) {
      await this.throttle.recordFailure(account, origin.address);
      await this.securityLog.record({
        kind: 'login_failed',
        userId: record?.id ?? null,
        detail: { method: 'password' },
        ...origin,
      });
      throw new AppError('invalid_credentials');
    }
    // Told only to whoever knows the password: it says nothing about which accounts exist.
    if (record.disabledAt) throw new AppError('account_disabled');
    if (await this.twoFactor.required(record.id)) {
      return { pendingToken: await this.twoFactor.beginLogin(record.id) };
    }
    this.throttle.recordSuccess(account, origin.address);
    const user = toUser(record);
    const session = await this.startSession(user.id, origin);
    await this.securityLog.record({
      kind: 'login_succeeded',
      userId: user.id,
      detail: { method: 'password' },
      ...origin,
    });
    return { user, session };
  }

  /**
   * Signs in an account whose identity another proof established (a passkey): the same user and
   * session a password login gives. The caller has checked that the account may sign in.
   */
  async signInVerified(userId: string, origin: RequestOrigin): Promise<{ user: User; session: Session }> {
    const record = await repo.findUserById(this.db, userId);
    if (!record) throw new AppError('invalid_credentials');
    const user = toUser(record);
    return { user, session: await this.startSession(user.id, origin) };
  }

  /** The second step of a two-factor login: a right code (TOTP or recovery) starts the session. */
  async completeLogin(
    input: { pendingToken: string; code: string },
    origin: RequestOrigin,
  ): Promise<{ user: User; session: Session }> {
    const { user: verified, method } = await this.twoFactor.completeLogin(
      input.pendingToken,
      input.code,
      origin,
    );
    const record = await repo.findUserById(this.db, verified.id);
    if (!record) throw new AppError('pending_login_expired');
    if (record.disabledAt) throw new AppError('account_disabled');
    const user = toUser(record);
    const session = await this.startSession(user.id, origin);
    await this.securityLog.record({
      kind: 'login_succeeded',
      userId: user.id,
      detail: { method: `password+${method}` },
      ...origin,
    });
    return { user, session };
  }

  /** The session a cookie token belongs to, or null (unknown, expired); extends it when half its life is gone. */
  async authenticate(token: string): Promise<AuthenticatedSession | null> {
    const tokenHash = hashToken(token);
    const now = this.clock.now();
    const found = await repo.findLiveSession(this.db, tokenHash, new Date(now));
    if (!found) return null;
    const result: AuthenticatedSession = {
      user: found.user,
      csrfToken: found.session.csrfToken,
      tokenHash,
      sessionId: found.session.publicId,
    };
    const renew = found.session.expiresAt.getTime() - now < this.sessionTtlMs / 2;
    if (renew) result.renewedUntil = new Date(now + this.sessionTtlMs);
    if (renew || now - found.session.lastSeenAt.getTime() >= LAST_SEEN_EVERY_MS) {
      await repo.touchSession(this.db, tokenHash, {
        lastSeenAt: new Date(now),
        expiresAt: result.renewedUntil,
      });
    }
    return result;
  }

  /** Ends a session (a new login replacing it): its streams close. */
  async endSession(session: AuthenticatedSession): Promise<void> {
    await repo.deleteSession(this.db, session.tokenHash);
    this.events.emit('auth.sessionsEnded', { userId: session.user.id, sessions: [session.tokenHash] });
  }

  async logout(session: AuthenticatedSession, origin: RequestOrigin): Promise<void> {
    await this.endSession(session);
    await this.securityLog.record({ kind: 'logout', userId: session.user.id, ...origin });
  }

  /** Deletes the expired sessions; a stream still open on one closes, as when a session is ended. */
  async deleteExpiredSessions(): Promise<number> {
    const expired = await repo.deleteExpiredSessions(this.db, new Date(this.clock.now()));
    const byUser = new Map<string, string[]>();
    for (const { userId, idHash } of expired) byUser.set(userId, [...(byUser.get(userId) ?? []), idHash]);
    for (const [userId, ended] of byUser) this.events.emit('auth.sessionsEnded', { userId, sessions: ended });
    return expired.length;
  }

  private async startSession(userId: string, origin: RequestOrigin): Promise<Session> {
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
      userAgent: origin.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
      address: origin.address ?? null,
      createdAt: new Date(this.clock.now()),
    });
    return session;
  }
}

function toUser(record: { id: string; username: string; email: string; role: repo.Role }): User {
  return { id: record.id, username: record.username, email: record.email, role: record.role };
}
