import { hash, verify } from '@node-rs/argon2';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { uniqueViolationConstraint } from '../db/database.js';
import { AppError } from '../errors.js';
import * as repo from './auth.repository.js';
import { claimInvite, isInviteUsable } from './invites.repository.js';
import type { LoginThrottle } from './login-throttle.js';
import { passwordProblems } from './password-policy.js';
import { hashToken, randomToken } from './tokens.js';

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

/** The stored form of a password: every password set anywhere goes through this. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export class AuthService {
  /** Verified against when the user does not exist, so both failures take the same time. */
  private readonly dummyHash: Promise<string>;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly throttle: LoginThrottle,
    private readonly sessionTtlMs: number,
    private readonly registration: RegistrationMode = 'open',
  ) {
    this.dummyHash = hash(randomToken(), ARGON2_OPTIONS);
  }

  async register(input: {
    username: string;
    email: string;
    password: string;
    inviteCode?: string;
  }): Promise<{ user: User; session: Session }> {
    const { inviteCode, ...account } = input;
    // Refused before the costly hash when it is certain; decided for good in the insert's transaction.
    if (await repo.hasUsers(this.db)) await this.requireAdmission(inviteCode);
    const user = await this.insertAccount(account, undefined, async (tx, created, firstAccount) => {
      if (!firstAccount) await this.admit(tx, created.id, inviteCode);
    });
    return { user, session: await this.startSession(user.id) };
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

  async login(
    input: { username: string; password: string },
    address: string,
  ): Promise<{ user: User; session: Session }> {
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
      throw new AppError('invalid_credentials');
    }
    // Told only to whoever knows the password: it says nothing about which accounts exist.
    if (record.disabledAt) throw new AppError('account_disabled');
    this.throttle.recordSuccess(input.username, address);
    const user = toUser(record);
    return { user, session: await this.startSession(user.id) };
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

function toUser(record: { id: string; username: string; email: string; role: repo.Role }): User {
  return { id: record.id, username: record.username, email: record.email, role: record.role };
}
