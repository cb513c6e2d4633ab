import { z } from 'zod';
import { sessionBody } from '../auth/auth.schemas.js';
import {
  BODY_ERRORS,
  errorResponses,
  isoDateTime,
  noContent,
  open,
  SESSION_ERRORS,
  signedIn,
  signedInWrite,
  text,
  WRITE_ERRORS,
} from '../http/api.schemas.js';

/**
 * The WebAuthn ceremonies as @simplewebauthn/server and @simplewebauthn/browser speak them: the
 * options the server gives `navigator.credentials.create/get`, and the credential the browser sends
 * back, every binary field unpadded base64url.
 */

/** The authenticators' ways of reaching the browser that a passkey may be listed with. */
export const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;

/** A WebAuthn credential id is at most 1023 bytes: 1364 base64url characters. */
const MAX_CREDENTIAL_ID_LENGTH = 1364;

const base64url = (label: string, max: number) =>
  z
    .string({ error: `${label} is required.` })
    .min(1, { error: `${label} is required.` })
    .max(max, { error: `${label} is too long.` })
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, { error: `${label} must be base64url.` });

const credentialId = base64url('Credential id', MAX_CREDENTIAL_ID_LENGTH);

const passkeyName = text('Name')
  .trim()
  .min(1, { error: 'Name is required.' })
  .max(100, { error: 'A name has at most 100 characters.' });

const credentialDescriptor = z.object({
  id: z.string(),
  type: z.string().meta({ description: 'Always `public-key`.' }),
  transports: z.array(z.string()).optional(),
});

const userVerification = z.enum(['required', 'preferred', 'discouraged']);

const creationOptionsSchema = z
  .object({
    challenge: z.string(),
    rp: z.object({ name: z.string(), id: z.string().optional() }),
    user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
    pubKeyCredParams: z.array(z.object({ alg: z.number(), type: z.literal('public-key') })),
    timeout: z.number().optional(),
    excludeCredentials: z.array(credentialDescriptor).optional(),
    authenticatorSelection: z
      .object({
        authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
        residentKey: z.enum(['discouraged', 'preferred', 'required']).optional(),
        requireResidentKey: z.boolean().optional(),
        userVerification: userVerification.optional(),
      })
      .optional(),
    hints: z.array(z.enum(['hybrid', 'security-key', 'client-device'])).optional(),
    attestation: z.enum(['direct', 'enterprise', 'indirect', 'none']).optional(),
    extensions: z.object({ credProps: z.boolean().optional() }).optional(),
  })
  .meta({
    id: 'PasskeyCreationOptions',
    description:
      'PublicKeyCredentialCreationOptionsJSON: give it to `startRegistration({optionsJSON})` of @simplewebauthn/browser (or `PublicKeyCredential.parseCreationOptionsFromJSON`).',
  });

const requestOptionsSchema = z
  .object({
    challenge: z.string(),
    timeout: z.number().optional(),
    rpId: z.string().optional(),
    allowCredentials: z.array(credentialDescriptor).optional(),
    userVerification: userVerification.optional(),
    hints: z.array(z.enum(['hybrid', 'security-key', 'client-device'])).optional(),
  })
  .meta({
    id: 'PasskeyRequestOptions',
    description:
      'PublicKeyCredentialRequestOptionsJSON without `allowCredentials` (any passkey of this site): give it to `startAuthentication({optionsJSON})` of @simplewebauthn/browser.',
  });

/** What the browser's extensions answered: `credProps` is kept, any other member dropped. */
const clientExtensionResults = z.object({
  credProps: z.object({ rk: z.boolean().optional() }).optional(),
});

const registrationResponse = z
  .object({
    id: credentialId,
    rawId: credentialId,
    type: z.literal('public-key', { error: 'Type must be public-key.' }),
    response: z.object({
      clientDataJSON: base64url('clientDataJSON', 4000),
      attestationObject: base64url('attestationObject', 12000),
      authenticatorData: base64url('authenticatorData', 12000).optional(),
      transports: z.array(z.string().max(32)).max(10).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: base64url('publicKey', 4000).optional(),
    }),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: clientExtensionResults.default({}),
  })
  .meta({ description: 'RegistrationResponseJSON, as `startRegistration()` returns it.' });

const authenticationResponse = z
  .object({
    id: credentialId,
    rawId: credentialId,
    type: z.literal('public-key', { error: 'Type must be public-key.' }),
    response: z.object({
      clientDataJSON: base64url('clientDataJSON', 4000),
      authenticatorData: base64url('authenticatorData', 4000),
      signature: base64url('signature', 2000),
      userHandle: base64url('userHandle', 100).optional(),
    }),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: clientExtensionResults.default({}),
  })
  .meta({ description: 'AuthenticationResponseJSON, as `startAuthentication()` returns it.' });
export type AuthenticationResponseInput = z.infer<typeof authenticationResponse>;
export type RegistrationResponseInput = z.infer<typeof registrationResponse>;

/**
 * What a browser sends back, made by an authenticator for stocks.example.com: the examples of the
 * document (a real answer signs a challenge the server gave moments before, so these are refused
 * with `passkey_challenge_invalid`).
 */
const CREDENTIAL_ID_EXAMPLE = 'hr7CSzDI6jE1JakVI7Pdvg';
const registrationExample = {
  id: CREDENTIAL_ID_EXAMPLE,
  rawId: CREDENTIAL_ID_EXAMPLE,
  type: 'public-key',
  response: {
    clientDataJSON:
      'eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoia1EzdjBtWDdacjhoWWQydVdiMXNFdyIsIm9yaWdpbiI6Imh0dHBzOi8vc3RvY2tzLmV4YW1wbGUuY29tIiwiY3Jvc3NPcmlnaW4iOmZhbHNlfQ',
    attestationObject:
      'o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YViUpim-Tvp7o9Go63DmqgPAvFNFMhpq19PPIdlIMnsKIoFFAAAAAAAAAAAAAAAAAAAAAAAAAAAAEIa-wkswyOoxNSWpFSOz3b6lAQIDJiABIVgg63s0DvjwoDZY2dZj3wCiH6Oz2r6h_00kQFiDSoWwXrciWCDyfYifUg3etJJ-vcdO2ihvxglCp5Sg3yPopMTb6fA2FQ',
    transports: ['internal'],
  },
  authenticatorAttachment: 'platform',
  clientExtensionResults: { credProps: { rk: true } },
};
const authenticationExample = {
  id: CREDENTIAL_ID_EXAMPLE,
  rawId: CREDENTIAL_ID_EXAMPLE,
  type: 'public-key',
  response: {
    clientDataJSON:
      'eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiVnQ5Y1hrMkx3UThwSHM0bVJhN3lOZyIsIm9yaWdpbiI6Imh0dHBzOi8vc3RvY2tzLmV4YW1wbGUuY29tIiwiY3Jvc3NPcmlnaW4iOmZhbHNlfQ',
    authenticatorData: 'pim-Tvp7o9Go63DmqgPAvFNFMhpq19PPIdlIMnsKIoEFAAAAAQ',
    signature:
      'MEQCIBx_4FIJS_UYj6lgTGX0sV1KgX7iG51iok5SEn7zDozLAiBiGJZxCaoILsCboacVMKzQfV_eYz6nPfRCLmFWeLvTtQ',
    userHandle: 'NWQ0YjM0ZGMtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAx',
  },
  authenticatorAttachment: 'platform',
  clientExtensionResults: {},
};

export const passkeySchema = z
  .object({
    id: z.string().meta({ description: 'The credential id (base64url).' }),
    name: z.string(),
    createdAt: isoDateTime,
    lastUsedAt: isoDateTime.nullable(),
    deviceType: z.enum(['singleDevice', 'multiDevice']).nullable().meta({
      description:
        '`multiDevice`: a synced passkey (it can be backed up); `singleDevice`: bound to one authenticator.',
    }),
    backedUp: z.boolean().meta({ description: 'Whether the passkey is backed up (synced) now.' }),
  })
  .meta({ id: 'Passkey' });
export type PasskeyView = z.infer<typeof passkeySchema>;

const passkeyParams = z.object({ id: credentialId.meta({ examples: [CREDENTIAL_ID_EXAMPLE] }) });

const tags = ['passkeys'];

export const registrationOptionsRouteSchema = {
  tags,
  summary: 'Start adding a passkey',
  description:
    'The options for `navigator.credentials.create`: a challenge valid 5 minutes and once, the user’s existing passkeys excluded, a discoverable credential asked for.',
  security: signedInWrite,
  response: { 200: creationOptionsSchema, ...errorResponses(WRITE_ERRORS) },
};

export const registrationVerifyRouteSchema = {
  tags,
  summary: 'Finish adding a passkey',
  description:
    'Verifies the authenticator’s answer to the challenge (origin, relying party, signature; the authenticator must verify the user, since a passkey sign-in stands for both factors) and stores the passkey.',
  security: signedInWrite,
  body: z.object({ name: passkeyName, response: registrationResponse }).meta({
    description: '`name`: what the user calls it (e.g. “Phone”).',
    examples: [{ name: 'Phone', response: registrationExample }],
  }),
  response: {
    201: z.object({ passkey: passkeySchema }),
    ...errorResponses(
      BODY_ERRORS,
      WRITE_ERRORS,
      'passkey_challenge_invalid',
      'passkey_verification_failed',
      'passkey_already_registered',
    ),
  },
};

export const listPasskeysRouteSchema = {
  tags,
  summary: 'The user’s passkeys',
  security: signedIn,
  response: { 200: z.object({ items: z.array(passkeySchema) }), ...errorResponses(SESSION_ERRORS) },
};

export const renamePasskeyRouteSchema = {
  tags,
  summary: 'Rename a passkey',
  security: signedInWrite,
  params: passkeyParams,
  body: z
    .object({ name: passkeyName })
    .strict()
    .meta({ examples: [{ name: 'Laptop' }] }),
  response: {
    200: z.object({ passkey: passkeySchema }),
    ...errorResponses(BODY_ERRORS, WRITE_ERRORS, 'passkey_not_found'),
  },
};

export const deletePasskeyRouteSchema = {
  tags,
  summary: 'Remove a passkey',
  description: 'It can no longer sign in; the authenticator keeps it until the user deletes it there.',
  security: signedInWrite,
  params: passkeyParams,
  response: {
    204: noContent,
    ...errorResponses(WRITE_ERRORS, 'validation_error', 'passkey_not_found'),
  },
};

export const loginOptionsRouteSchema = {
  tags,
  summary: 'Start signing in with a passkey',
  description:
    'The options for `navigator.credentials.get`: a challenge valid 5 minutes and once, no `allowCredentials` (the authenticator offers the passkeys it holds for this site). Counted with register and login: 30 a minute per address.',
  security: open,
  response: { 200: requestOptionsSchema, ...errorResponses('forbidden_origin') },
};

export const loginVerifyRouteSchema = {
  tags,
  summary: 'Sign in with a passkey',
  description:
    'Verifies the assertion against the stored passkey (challenge, origin, relying party, signature, user verification, signature counter) and signs in as a password login does: the same cookie and answer. A passkey stands for both factors: no second step.',
  security: open,
  body: z
    .object({ response: authenticationResponse })
    .meta({ examples: [{ response: authenticationExample }] }),
  response: {
    200: sessionBody,
    ...errorResponses(
      BODY_ERRORS,
      'forbidden_origin',
      'passkey_challenge_invalid',
      'passkey_verification_failed',
      'passkey_unknown',
      'passkey_login_failed',
      'account_disabled',
    ),
  },
};
