import { z } from 'zod';
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
import { offeredPassword, sessionBody } from './auth.schemas.js';

/** A second factor: the six digits the authenticator app shows, or one of the recovery codes. */
export const secondFactorCode = text('Code')
  .trim()
  .min(1, { error: 'Code is required.' })
  .max(64, { error: 'Code must be at most 64 characters.' })
  .meta({
    description: 'The six digits of the authenticator app, or a recovery code (`xxxx-xxxx-xxxx-xxxx`).',
    examples: ['123456'],
  });

const totpCode = text('Code')
  .trim()
  .regex(/^\d{6}$/, { error: 'Enter the six digits the authenticator app shows.' })
  .meta({ examples: ['123456'] });

const tags = ['account'];

export const twoFactorStatusRouteSchema = {
  tags,
  summary: 'Whether two-factor sign-in is on',
  security: signedIn,
  response: {
    200: z.object({
      enabled: z.boolean(),
      enabledAt: isoDateTime.nullable(),
      recoveryCodesLeft: z.number().int().meta({ description: 'Recovery codes not yet used.' }),
    }),
    ...errorResponses(SESSION_ERRORS),
  },
};

export const twoFactorSetupRouteSchema = {
  tags,
  summary: 'Start setting up two-factor sign-in: a new secret for the authenticator app',
  description:
    'Kept as pending until `POST /me/2fa/enable` confirms it with a code; asking again replaces it. `qrCode` is the `otpauthUrl` drawn as an SVG image (a `data:` URL).',
  security: signedInWrite,
  response: {
    200: z.object({
      secret: z.string().meta({ description: 'Base32, for typing into an app by hand.' }),
      otpauthUrl: z.string(),
      qrCode: z.string().meta({ description: 'A `data:image/svg+xml` URL of the QR code of `otpauthUrl`.' }),
    }),
    ...errorResponses(WRITE_ERRORS, 'two_factor_already_enabled'),
  },
};

export const twoFactorEnableRouteSchema = {
  tags,
  summary: 'Turn two-factor sign-in on, confirmed by a code from the app',
  description:
    'Answers ten single-use recovery codes, shown this once (only their hashes are kept). A code is accepted in its 30-second step and one either side, and only once.',
  security: signedInWrite,
  body: z.object({ code: totpCode }).meta({ examples: [{ code: '123456' }] }),
  response: {
    200: z.object({ recoveryCodes: z.array(z.string()) }),
    ...errorResponses(
      BODY_ERRORS,
      WRITE_ERRORS,
      'invalid_code',
      'two_factor_not_set_up',
      'two_factor_already_enabled',
    ),
  },
};

export const twoFactorDisableRouteSchema = {
  tags,
  summary: 'Turn two-factor sign-in off (password and a code)',
  description:
    'The code is one from the app or a recovery code. Wrong passwords and codes count like failed logins (429 after too many).',
  security: signedInWrite,
  body: z
    .object({ password: offeredPassword, code: secondFactorCode })
    .meta({ examples: [{ password: 'plover-quartz-harbour-91', code: '123456' }] }),
  response: {
    204: noContent,
    ...errorResponses(BODY_ERRORS, WRITE_ERRORS, 'wrong_password', 'invalid_code', 'two_factor_not_enabled'),
  },
};

export const loginSecondStepRouteSchema = {
  tags: ['auth'],
  summary: 'Complete a two-factor login with a code',
  description:
    'After `POST /auth/login` answered `twoFactorRequired`: a code from the app or a recovery code sets the session cookie. Five wrong codes end the pending login (`pending_login_expired`: sign in with the password again); wrong codes also count like failed logins.',
  security: open,
  body: z
    .object({
      pendingToken: text('Pending token')
        .min(1, { error: 'Pending token is required.' })
        .max(200, { error: 'Pending token is too long.' }),
      code: secondFactorCode,
    })
    .meta({ examples: [{ pendingToken: 'm1Q3x0bA7c9KfZ2rT5vW8yB4nD6hJ0pL3sG5uE7iO9k', code: '123456' }] }),
  response: {
    200: sessionBody,
    ...errorResponses(BODY_ERRORS, 'forbidden_origin', 'invalid_code', 'pending_login_expired'),
  },
};
