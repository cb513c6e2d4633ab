import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL, isoUint8Array } from '@simplewebauthn/server/helpers';
import type { AuthService, Session, User } from '../auth/auth.service.js';
import type { RequestOrigin, SecurityLog } from '../auth/security-log.js';
import { hashToken } from '../auth/tokens.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { uniqueViolationConstraint } from '../db/database.js';
import { AppError } from '../errors.js';
import * as repo from './passkeys.repository.js';
import type {
  AuthenticationResponseInput,
  PasskeyView,
  RegistrationResponseInput,
} from './passkeys.schemas.js';
import { TRANSPORTS } from './passkeys.schemas.js';

/** Who the passkeys belong to: the site's domain (the rpID) and the origin the browser must report. */
export interface RelyingParty {
  id: string;
  origin: string;
}

const RP_NAME = 'Stock Tracker';
/** How long a challenge may be answered; also the browser's timeout for the ceremony. */
const CHALLENGE_TTL_MS = 5 * 60 * 1000;

type Transport = (typeof TRANSPORTS)[number];
const isTransport = (value: string): value is Transport => (TRANSPORTS as readonly string[]).includes(value);

/**
 * WebAuthn passkeys: adding them to a signed-in account, and signing in with one instead of the
 * password. Challenges live in `one_time_tokens` (hashed, five minutes, used up by the step that
 * answers them), so any instance of a cluster can finish a ceremony another began.
 *
 * The authenticator must verify the user (PIN, fingerprint, face), at registration and sign-in: a
 * passkey sign-in stands for both factors, so something held and something known or been.
 */
export class PasskeysService {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly auth: AuthService,
    private readonly log: SecurityLog,
  ) {}

  async registrationOptions(user: User, rp: RelyingParty) {
    const existing = await repo.listPasskeys(this.db, user.id);
    const options = await generateRegistrationOptions({
      rpName: RP_NAME,
      rpID: rp.id,
      userName: user.username,
      userDisplayName: user.username,
      // The account's id, so the authenticator replaces (not adds) a passkey for the same account,
      // and a sign-in's user handle can be checked against the passkey's owner.
      userID: isoUint8Array.fromUTF8String(user.id),
      timeout: CHALLENGE_TTL_MS,
      attestationType: 'none',
      excludeCredentials: existing.map((passkey) => ({
        id: passkey.id,
        transports: (passkey.transports ?? []).filter(isTransport),
      })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    });
    await this.storeChallenge(options.challenge, 'passkey_register', user.id);
    return options;
  }

  async register(
    user: User,
    input: { name: string; response: RegistrationResponseInput },
    rp: RelyingParty,
    origin: RequestOrigin,
  ): Promise<PasskeyView> {
    const challenge = await this.liveChallenge(input.response.response.clientDataJSON, {
      purpose: 'passkey_register',
      userId: user.id,
    });
    const verification = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: challenge.value,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    }).catch((error: Error) => {
      throw new AppError('passkey_verification_failed', verificationMessage(error));
    });
    if (!verification.verified) throw new AppError('passkey_verification_failed');
    const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;
    let stored: repo.PasskeyRecord | null;
    try {
      stored = await repo.addPasskey(this.db, challenge.key, this.now(), {
        id: credential.id,
        userId: user.id,
        name: input.name,
        publicKey: isoBase64URL.fromBuffer(credential.publicKey),
        counter: credential.counter,
        transports: (input.response.response.transports ?? []).filter(isTransport),
        deviceType: credentialDeviceType,
        backedUp: credentialBackedUp,
      });
    } catch (error) {
      if (uniqueViolationConstraint(error) !== undefined) throw new AppError('passkey_already_registered');
      throw error;
    }
    if (!stored) throw new AppError('passkey_challenge_invalid');
    await this.log.record({
      kind: 'passkey_added',
      userId: user.id,
      detail: { name: stored.name, deviceType: stored.deviceType },
      ...origin,
    });
    return toView(stored);
  }

  async list(userId: string): Promise<PasskeyView[]> {
    return (await repo.listPasskeys(this.db, userId)).map(toView);
  }

  async rename(userId: string, id: string, name: string): Promise<PasskeyView> {
    const renamed = await repo.renamePasskey(this.db, userId, id, name);
    if (!renamed) throw new AppError('passkey_not_found');
    return toView(renamed);
  }

  async remove(userId: string, id: string, origin: RequestOrigin): Promise<void> {
    const removed = await repo.deletePasskey(this.db, userId, id);
    if (!removed) throw new AppError('passkey_not_found');
    await this.log.record({ kind: 'passkey_removed', userId, detail: { name: removed.name }, ...origin });
  }

  async loginOptions(rp: RelyingParty) {
    const options = await generateAuthenticationOptions({
      rpID: rp.id,
      timeout: CHALLENGE_TTL_MS,
      userVerification: 'required',
    });
    await this.storeChallenge(options.challenge, 'passkey_login', null);
    return options;
  }

  /** Verifies a sign-in assertion and starts the session a password login would. */
  async login(
    response: AuthenticationResponseInput,
    rp: RelyingParty,
    origin: RequestOrigin,
  ): Promise<{ user: User; session: Session }> {
    const challenge = await this.liveChallenge(response.response.clientDataJSON, {
      purpose: 'passkey_login',
      userId: null,
    });
    const found = await repo.findPasskeyForSignIn(this.db, response.id);
    if (!found) throw new AppError('passkey_unknown');
    const { passkey } = found;
    if (found.accountDisabled) throw new AppError('account_disabled');
    const failed = async (reason: string) => {
      await this.log.record({
        kind: 'login_failed',
        userId: passkey.userId,
        detail: { method: 'passkey', passkey: passkey.name, reason },
        ...origin,
      });
      return new AppError('passkey_login_failed');
    };
    const handle = response.response.userHandle;
    if (handle !== undefined && isoBase64URL.toUTF8String(handle) !== passkey.userId)
      throw await failed('the user handle names another account');
    let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      verification = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge.value,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        credential: {
          id: passkey.id,
          publicKey: isoBase64URL.toBuffer(passkey.publicKey),
          counter: passkey.counter,
          transports: passkey.transports ?? [],
        },
        requireUserVerification: true,
      });
    } catch (error) {
      throw await failed(verificationMessage(error as Error));
    }
    if (!verification.verified) throw await failed('the signature does not match');
    const used = await repo.recordSignIn(this.db, challenge.key, this.now(), {
      id: passkey.id,
      counter: verification.authenticationInfo.newCounter,
      backedUp: verification.authenticationInfo.credentialBackedUp,
    });
    if (!used) throw new AppError('passkey_challenge_invalid');
    const signedIn = await this.auth.signInVerified(passkey.userId, origin);
    await this.log.record({
      kind: 'login_succeeded',
      userId: passkey.userId,
      detail: { method: 'passkey', passkey: passkey.name },
      ...origin,
    });
    return signedIn;
  }

  async deleteExpiredChallenges(): Promise<number> {
    return repo.deleteExpiredChallenges(this.db, this.now());
  }

  private async storeChallenge(
    challenge: string,
    purpose: repo.ChallengePurpose,
    userId: string | null,
  ): Promise<void> {
    await repo.insertChallenge(
      this.db,
      { tokenHash: hashToken(challenge), purpose, userId },
      new Date(this.clock.now() + CHALLENGE_TTL_MS),
    );
  }

  /**
   * The challenge the browser's client data answers, when this server gave it (for this purpose and
   * user) and it is still live; the library then checks that the answer signs exactly it.
   */
  private async liveChallenge(
    clientDataJSON: string,
    { purpose, userId }: { purpose: repo.ChallengePurpose; userId: string | null },
  ): Promise<{ value: string; key: repo.ChallengeKey }> {
    let value: unknown;
    try {
      value = decodeClientDataJSON(clientDataJSON).challenge;
    } catch {
      throw new AppError('passkey_verification_failed', 'The passkey’s client data is not readable.');
    }
    if (typeof value !== 'string' || value === '') throw new AppError('passkey_challenge_invalid');
    const key: repo.ChallengeKey = { tokenHash: hashToken(value), purpose, userId };
    if (!(await repo.challengeIsLive(this.db, key, this.now())))
      throw new AppError('passkey_challenge_invalid');
    return { value, key };
  }

  private now(): Date {
    return new Date(this.clock.now());
  }
}

/** The library's reason, told to the user in the error message (it names no secret). */
function verificationMessage(error: Error): string {
  return `The passkey’s answer could not be verified: ${error.message}`;
}

function toView(record: repo.PasskeyRecord): PasskeyView {
  return {
    id: record.id,
    name: record.name,
    createdAt: record.createdAt.toISOString(),
    lastUsedAt: record.lastUsedAt?.toISOString() ?? null,
    deviceType:
      record.deviceType === 'singleDevice' || record.deviceType === 'multiDevice' ? record.deviceType : null,
    backedUp: record.backedUp,
  };
}
