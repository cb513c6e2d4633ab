import { z } from 'zod';
import {
  BODY_ERRORS,
  errorResponses,
  noContent,
  open,
  optionallySignedIn,
  SESSION_ERRORS,
  signedIn,
  signedInWrite,
  text,
  WRITE_ERRORS,
} from '../http/api.schemas.js';

/** Argon2 cost grows with input; a cap keeps a huge password from being a denial of service. */
export const MAX_PASSWORD_LENGTH = 256;

const username = text('Username')
  .trim()
  .min(3, { error: 'Username must be at least 3 characters.' })
  .max(32, { error: 'Username must be at most 32 characters.' })
  .regex(/^[A-Za-z0-9_.-]+$/, {
    error: 'Username may contain only letters, digits, underscore, dot and dash.',
  });

/** A new password: stored only as a hash, but refused with control characters like every text field. */
export const newPassword = text('Password')
  .min(1, { error: 'Password is required.' })
  .max(MAX_PASSWORD_LENGTH, { error: `Password must be at most ${MAX_PASSWORD_LENGTH} characters.` });

/**
 * The password a login offers is only hashed and compared, never stored: any character is accepted,
 * so an account made before control characters were refused can still sign in.
 */
export const offeredPassword = z
  .string({ error: 'Password is required.' })
  .min(1, { error: 'Password is required.' })
  .max(MAX_PASSWORD_LENGTH, { error: `Password must be at most ${MAX_PASSWORD_LENGTH} characters.` });

export const emailAddress = text('Email')
  .trim()
  .max(254, { error: 'Email must be at most 254 characters.' })
  .pipe(z.email({ error: 'Enter a valid email address.' }));

export const registerBody = z
  .object({
    username,
    email: emailAddress,
    password: newPassword,
    inviteCode: text('Invitation code')
      .trim()
      .min(1, { error: 'Invitation code is required.' })
      .max(100, { error: 'Invitation code is too long.' })
      .optional()
      .meta({ description: 'Needed when the server registers by invitation only (`REGISTRATION=invite`).' }),
  })
  .meta({
    examples: [{ username: 'ada', email: 'ada@example.com', password: 'plover-quartz-harbour-91' }],
  });

const loginBody = z
  .object({
    username: text('Username or email')
      .trim()
      .min(1, { error: 'Username or email is required.' })
      .max(254, { error: 'Username or email is too long.' })
      .meta({ description: 'The username or the email address.' }),
    password: offeredPassword,
  })
  .meta({ examples: [{ username: 'ada', password: 'plover-quartz-harbour-91' }] });

const userSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    email: z.string(),
    role: z.enum(['admin', 'user']).meta({ description: 'An `admin` may open the admin console.' }),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof userSchema>;

export const sessionBody = z
  .object({
    user: userSchema,
    csrfToken: z.string().meta({ description: 'Send it as `X-CSRF-Token` on every state-changing call.' }),
  })
  .meta({ id: 'Session', description: 'The signed-in user and the CSRF token of the session.' });

/** The password was right and the account has two-factor sign-in: no session yet, a code is needed. */
export const loginChallenge = z
  .object({
    twoFactorRequired: z.literal(true),
    pendingToken: z.string().meta({
      description: 'Send it with a code to `POST /auth/login/2fa` within five minutes.',
    }),
  })
  .meta({ id: 'LoginChallenge', description: 'The second step of a two-factor login is due.' });

const tags = ['auth'];

export const registerSchema = {
  tags,
  summary: 'Create an account and sign in',
  description:
    'Sets the session cookie. 30 requests a minute per address (with login). The first account becomes the administrator. With `REGISTRATION=closed` answers 403 `registration_closed`; with `invite` it needs a valid, unused `inviteCode` (403 `invite_invalid`), used up by this registration.',
  security: open,
  body: registerBody,
  response: {
    201: sessionBody,
    ...errorResponses(
      BODY_ERRORS,
      'forbidden_origin',
      'registration_closed',
      'invite_invalid',
      'username_taken',
      'email_taken',
    ),
  },
};

export const registrationSchema = {
  tags,
  summary: 'Whether this server takes new accounts',
  description:
    '`mode` is `REGISTRATION`: `open`, `invite` (register needs `inviteCode`) or `closed`. `firstAccount` is true while no account exists: the first one may always register, and becomes the administrator.',
  security: open,
  querystring: z.strictObject({}),
  response: {
    200: z.object({
      mode: z.enum(['open', 'invite', 'closed']),
      firstAccount: z.boolean(),
    }),
    ...errorResponses('validation_error'),
  },
};

export const loginSchema = {
  tags,
  summary: 'Sign in with a username or email',
  description:
    'Sets the session cookie. For an account with two-factor sign-in, the right password answers `{twoFactorRequired: true, pendingToken}` instead, with no cookie: `POST /auth/login/2fa` completes it. After 5 failed logins a minute for one account from one address, or 20 from one address, further tries get 429 with Retry-After.',
  security: open,
  body: loginBody,
  response: {
    200: z.union([sessionBody, loginChallenge]),
    ...errorResponses(BODY_ERRORS, 'forbidden_origin', 'invalid_credentials', 'account_disabled'),
  },
};

export const logoutSchema = {
  tags,
  summary: 'Sign out',
  description: 'Deletes the session and clears its cookie.',
  security: signedInWrite,
  response: { 204: noContent, ...errorResponses(WRITE_ERRORS) },
};

export const sessionSchema = {
  tags,
  summary: 'The current session',
  description: 'The signed-in user and the CSRF token, for a page that was reloaded.',
  security: signedIn,
  response: { 200: sessionBody, ...errorResponses(SESSION_ERRORS) },
};

export const whoamiSchema = {
  tags,
  summary: 'Who is signed in, if anyone',
  description:
    "The page's start-up question: 200 for anonymous visitors too (`user` and `csrfToken` null), so a visit to the sign-in page logs no error.",
  security: optionallySignedIn,
  querystring: z.strictObject({}),
  response: {
    200: z.object({ user: userSchema.nullable(), csrfToken: z.string().nullable() }),
    ...errorResponses('validation_error'),
  },
};
