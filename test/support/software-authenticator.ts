import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { encodeCbor } from './cbor.js';

/**
 * A WebAuthn authenticator in software, for driving the passkey ceremonies in API tests: an ES256
 * key per credential, `none` attestation, client data as a browser would write it. It answers the
 * options the server gives exactly as `startRegistration` / `startAuthentication` of
 * @simplewebauthn/browser would send them back.
 */

/** Authenticator data flags (WebAuthn §6.1). */
const USER_PRESENT = 0x01;
const USER_VERIFIED = 0x04;
const ATTESTED_CREDENTIAL_DATA = 0x40;

interface CreationOptions {
  challenge: string;
  rp: { id?: string };
  user: { id: string };
}
interface RequestOptions {
  challenge: string;
  rpId?: string;
}

interface StoredCredential {
  id: string;
  rpId: string;
  userHandle: string;
  privateKey: KeyObject;
  counter: number;
}

export interface CeremonyOverrides {
  /** The origin the "browser" puts in the client data; the authenticator's own by default. */
  origin?: string;
  /** Whether the authenticator says it verified the user (PIN, biometrics); true by default. */
  userVerified?: boolean;
}

export class SoftwareAuthenticator {
  private readonly credentials: StoredCredential[] = [];

  constructor(private readonly origin: string) {}

  /** Answers registration options: a new credential, as `startRegistration()` returns it. */
  register(options: CreationOptions, overrides: CeremonyOverrides = {}) {
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const id = randomBytes(16);
    const credential: StoredCredential = {
      id: id.toString('base64url'),
      rpId,
      userHandle: options.user.id,
      privateKey,
      counter: 0,
    };
    this.credentials.push(credential);
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(String(jwk.x), 'base64url')],
      [-3, Buffer.from(String(jwk.y), 'base64url')],
    ]);
    const credentialIdLength = Buffer.alloc(2);
    credentialIdLength.writeUInt16BE(id.length);
    const authData = Buffer.concat([
      authenticatorData(rpId, USER_PRESENT | ATTESTED_CREDENTIAL_DATA | uvFlag(overrides), 0),
      Buffer.alloc(16), // AAGUID: none
      credentialIdLength,
      id,
      encodeCbor(coseKey),
    ]);
    const attestationObject = encodeCbor({ fmt: 'none', attStmt: {}, authData });
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key' as const,
      response: {
        clientDataJSON: this.clientData('webauthn.create', options.challenge, overrides),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: { credProps: { rk: true } },
    };
  }

  /**
   * Answers sign-in options with one of its credentials for the options' relying party (the first,
   * or `credentialId`), as `startAuthentication()` returns it. The signature counter goes up by one.
   */
  authenticate(options: RequestOptions, overrides: CeremonyOverrides & { credentialId?: string } = {}) {
    const rpId = options.rpId ?? new URL(this.origin).hostname;
    const credential = this.credentials.find(
      (c) => c.rpId === rpId && (overrides.credentialId === undefined || c.id === overrides.credentialId),
    );
    if (!credential) throw new Error(`no credential for ${rpId}`);
    credential.counter += 1;
    const authData = authenticatorData(rpId, USER_PRESENT | uvFlag(overrides), credential.counter);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, overrides);
    const signed = Buffer.concat([
      authData,
      createHash('sha256').update(Buffer.from(clientDataJSON, 'base64url')).digest(),
    ]);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key' as const,
      response: {
        clientDataJSON,
        authenticatorData: authData.toString('base64url'),
        signature: sign('sha256', signed, credential.privateKey).toString('base64url'),
        userHandle: credential.userHandle,
      },
      authenticatorAttachment: 'platform' as const,
      clientExtensionResults: {},
    };
  }

  /** Sets a credential's signature counter, as a cloned authenticator would have it. */
  setCounter(credentialId: string, counter: number): void {
    const credential = this.credentials.find((c) => c.id === credentialId);
    if (!credential) throw new Error(`no credential ${credentialId}`);
    credential.counter = counter;
  }

  private clientData(type: string, challenge: string, overrides: CeremonyOverrides): string {
    const json = JSON.stringify({
      type,
      challenge,
      origin: overrides.origin ?? this.origin,
      crossOrigin: false,
    });
    return Buffer.from(json).toString('base64url');
  }
}

function uvFlag(overrides: CeremonyOverrides): number {
  return overrides.userVerified === false ? 0 : USER_VERIFIED;
}

/** The relying party id's hash, the flags and the signature counter (WebAuthn §6.1). */
function authenticatorData(rpId: string, flags: number, counter: number): Buffer {
  const counterBytes = Buffer.alloc(4);
  counterBytes.writeUInt32BE(counter);
  return Buffer.concat([createHash('sha256').update(rpId).digest(), Uint8Array.of(flags), counterBytes]);
}
