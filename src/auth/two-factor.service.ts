import { verify } from '@node-rs/argon2';
import QRCode from 'qrcode';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { type LoginThrottle, throttledAccount } from './login-throttle.js';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes.js';
import type { RequestOrigin, SecurityLog } from './security-log.js';
import { hashToken, randomToken } from './tokens.js';
import { matchingTotpStep, newTotpSecret, stepWindowEnd, totpKeyUri } from './totp.js';
import * as repo from './two-factor.repository.js';

/** How long the password step of a two-factor login waits for its code. */
export const PENDING_LOGIN_MS = 5 * 60 * 1000;
/** Wrong codes a pending login takes before it ends (the password must be given again). */
export const MAX_CODE_ATTEMPTS = 5;

/** How a second factor was proved, as the security log says it. */
export type SecondFactorMethod = 'totp' | 'recovery_code';

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: Date | null;
  recoveryCodesLeft: number;
}

/** A user proving who they are again before a grave change (turning two-factor off, deleting the account). */
export interface Reauthentication {
  password: string;
  /** A TOTP or a recovery code; required when two-factor is on. */
  code?: string | undefined;
}

/**
 * TOTP two-factor sign-in: setting it up (a secret shown as a QR code, confirmed by a code), recovery
 * codes, turning it off, the second step of a login, and checking a password and code again before a
 * grave change. A code is accepted for the current 30-second step and one either side, and never
 * twice: each user's last accepted step is kept, and only a later one passes. Wrong passwords and
 * codes count in the login throttle like failed logins.
 */
export class TwoFactorService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly throttle: LoginThrottle,
    private readonly log: SecurityLog,
  ) {}

  async status(userId: string): Promise<TwoFactorStatus> {
    const account = await this.account(userId);
    return {
      enabled: account.totpSecret !== null,
      enabledAt: account.totpEnabledAt,
      recoveryCodesLeft: account.totpSecret ? await repo.countUnusedRecoveryCodes(this.db, userId) : 0,
    };
  }

  /** A new secret to confirm (replacing one not yet confirmed), with its URI and that URI as a QR code. */
  async setup(userId: string): Promise<{ secret: string; otpauthUrl: string; qrCode: string }> {
    const account = await this.account(userId);
    if (account.totpSecret) throw new AppError('two_factor_already_enabled');
    const secret = newTotpSecret();
    if (!(await repo.setPendingSecret(this.db, userId, secret)))
      throw new AppError('two_factor_already_enabled');
    const otpauthUrl = totpKeyUri(secret, account.username);
    const svg = await QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { secret, otpauthUrl, qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
  }

  /** Confirms the pending secret with a code from the app; answers the recovery codes, shown this once. */
  async enable(userId: string, code: string, origin: RequestOrigin): Promise<{ recoveryCodes: string[] }> {
    const account = await this.account(userId);
    if (account.totpSecret) throw new AppError('two_factor_already_enabled');
    const secret = account.totpPendingSecret;
    if (!secret) throw new AppError('two_factor_not_set_up');
    if (!(await this.acceptTotp(userId, secret, code))) throw new AppError('invalid_code');
    const recoveryCodes = newRecoveryCodes();
    const enabled = await repo.enableTotp(this.db, userId, {
      secret,
      enabledAt: new Date(this.clock.now()),
      codeHashes: recoveryCodes.map(recoveryCodeHash),
    });
    if (!enabled) throw new AppError('two_factor_already_enabled');
    await this.log.record({ kind: 'totp_enabled', userId, ...origin });
    return { recoveryCodes };
  }

  /** Turns two-factor off: needs the password and a code (TOTP or recovery). */
  async disable(userId: string, proof: Reauthentication, origin: RequestOrigin): Promise<void> {
    const account = await this.account(userId);
    if (!account.totpSecret) throw new AppError('two_factor_not_enabled');
    await this.reauthenticate(userId, proof, origin);
    await repo.disableTotp(this.db, userId);
    await this.log.record({ kind: 'totp_disabled', userId, ...origin });
  }

  /**
   * Checks the password, and a code when two-factor is on, before a grave change; throws (and counts
   * the failure in the login throttle) when either is wrong. A recovery code given here is used up.
   */
  async reauthenticate(userId: string, proof: Reauthentication, origin: RequestOrigin): Promise<void> {
    const account = await this.account(userId);
    const address = origin.address ?? '';
    const retryAfter = await this.throttle.retryAfterSeconds(
      throttledAccount(account.id, account.username),
      address,
    );
    if (retryAfter > 0) {
      throw new AppError(
        'rate_limited',
        'Too many wrong passwords or codes. Try again later.',
        undefined,
        retryAfter,
      );
    }
    const passwordValid = await verify(account.passwordHash, proof.password).catch(() => false);
    if (!passwordValid) {
      await this.throttle.recordFailure(throttledAccount(account.id, account.username), address);
      throw new AppError('wrong_password', undefined, { password: ['The password is wrong.'] });
    }
    if (!account.totpSecret) return;
    if (proof.code === undefined) throw new AppError('two_factor_code_required');
    const method = await this.acceptCode(account.id, account.totpSecret, proof.code);
    if (!method) {
      await this.throttle.recordFailure(throttledAccount(account.id, account.username), address);
      throw new AppError('invalid_code', undefined, { code: [invalidCodeMessage] });
    }
    if (method === 'recovery_code') await this.log.record({ kind: 'recovery_code_used', userId, ...origin });
  }

  /** Whether a login must give a code after its password. */
  async required(userId: string): Promise<boolean> {
    return (await this.account(userId)).totpSecret !== null;
  }

  /** The password step passed: a pending login (five minutes) that only a code can complete. */
  async beginLogin(userId: string): Promise<string> {
    const pendingToken = randomToken();
    await repo.insertPendingLogin(this.db, {
      tokenHash: hashToken(pendingToken),
      userId,
      expiresAt: new Date(this.clock.now() + PENDING_LOGIN_MS),
    });
    return pendingToken;
  }

  /**
   * The second step of a login: the user whose pending login a right code completes, and how it was
   * proved. A wrong code is counted against the pending login (which ends at the fifth) and in the
   * login throttle; an unknown, expired or ended one is `pending_login_expired`.
   */
  async completeLogin(
    pendingToken: string,
    code: string,
    origin: RequestOrigin,
  ): Promise<{ user: { id: string; username: string; email: string }; method: SecondFactorMethod }> {
    const tokenHash = hashToken(pendingToken);
    const pending = await repo.findPendingLogin(this.db, tokenHash, new Date(this.clock.now()));
    if (!pending?.totpSecret) throw new AppError('pending_login_expired');
    const { user } = pending;
    const address = origin.address ?? '';
    const retryAfter = await this.throttle.retryAfterSeconds(
      throttledAccount(user.id, user.username),
      address,
    );
    if (retryAfter > 0) {
      throw new AppError('rate_limited', 'Too many wrong codes. Try again later.', undefined, retryAfter);
    }
    const method = await this.acceptCode(user.id, pending.totpSecret, code);
    if (!method) {
      await this.throttle.recordFailure(throttledAccount(user.id, user.username), address);
      const attempts = await repo.countWrongCode(this.db, tokenHash);
      if (attempts >= MAX_CODE_ATTEMPTS) await repo.deletePendingLogin(this.db, tokenHash);
      await this.log.record({ kind: 'login_failed', userId: user.id, detail: { method: 'totp' }, ...origin });
      throw new AppError('invalid_code', undefined, { code: [invalidCodeMessage] });
    }
    if (!(await repo.deletePendingLogin(this.db, tokenHash))) throw new AppError('pending_login_expired');
    this.throttle.recordSuccess(throttledAccount(user.id, user.username), address);
    if (method === 'recovery_code')
      await this.log.record({ kind: 'recovery_code_used', userId: user.id, ...origin });
    return { user, method };
  }

  async deleteExpired(): Promise<void> {
    await repo.deleteExpiredTwoFactorTokens(this.db, new Date(this.clock.now()));
  }

  /** A six-digit code is a TOTP; anything else is tried as a recovery code (used up if it matches). */
  private async acceptCode(userId: string, secret: string, code: string): Promise<SecondFactorMethod | null> {
    const compact = code.replace(/\s/g, '');
    if (/^\d{6}$/.test(compact)) return (await this.acceptTotp(userId, secret, compact)) ? 'totp' : null;
    const used = await repo.useRecoveryCode(
      this.db,
      userId,
      recoveryCodeHash(code),
      new Date(this.clock.now()),
    );
    return used ? 'recovery_code' : null;
  }

  private async acceptTotp(userId: string, secret: string, code: string): Promise<boolean> {
    const step = matchingTotpStep(secret, code.replace(/\s/g, ''), this.clock.now());
    if (step === null) return false;
    return repo.claimTotpStep(this.db, {
      userId,
      tokenHash: hashToken(`totp_used_step:${userId}`),
      step,
      expiresAt: new Date(stepWindowEnd(step)),
    });
  }

  private async account(userId: string): Promise<repo.TwoFactorAccount> {
    const account = await repo.findTwoFactorAccount(this.db, userId);
    if (!account) throw new AppError('unauthenticated');
    return account;
  }
}

const invalidCodeMessage = 'That code is not valid: it is wrong, too old, or was already used.';
