import { z } from 'zod';
import {
  BODY_ERRORS,
  errorResponses,
  idParams,
  isoDateTime,
  noContent,
  open,
  SESSION_ERRORS,
  signedIn,
  signedInWrite,
  text,
  WRITE_ERRORS,
} from '../http/api.schemas.js';
import { emailAddress, newPassword, offeredPassword } from './auth.schemas.js';

/** A link's token: 256 random bits, base64url. Anything else cannot be one. */
const linkToken = text('Token').regex(/^[A-Za-z0-9_-]{20,100}$/, { error: 'That is not a link token.' });

const sessionView = z
  .object({
    id: z.uuid().meta({ description: 'Give it to `DELETE /me/sessions/{id}`.' }),
    current: z.boolean().meta({ description: 'The session this request was made with.' }),
    userAgent: z.string().nullable(),
    device: z
      .string()
      .nullable()
      .meta({ description: 'The browser and system the user agent names, e.g. "Chrome on macOS".' }),
    address: z.string().nullable().meta({ description: 'The address it signed in from.' }),
    createdAt: isoDateTime,
    lastSeenAt: isoDateTime.meta({ description: 'Its latest request, to the minute.' }),
  })
  .meta({ id: 'SessionView' });
export type SessionListItem = z.infer<typeof sessionView>;

const securityEvent = z
  .object({
    id: z.uuid(),
    kind: z.string().meta({
      description:
        'What happened: login_succeeded, login_failed, logout, password_changed, password_reset_requested, password_reset, email_verified, session_revoked, sessions_ended, and the second-factor, passkey, token and admin kinds.',
      examples: ['login_succeeded'],
    }),
    detail: z.record(z.string(), z.unknown()).nullable(),
    address: z.string().nullable(),
    userAgent: z.string().nullable(),
    device: z.string().nullable(),
    createdAt: isoDateTime,
  })
  .meta({ id: 'SecurityEvent' });
export type SecurityEventItem = z.infer<typeof securityEvent>;

const sessionsEnded = z
  .object({ sessionsEnded: z.number().int().meta({ description: 'How many other sessions ended.' }) })
  .meta({ description: 'Their open streams were closed too (close code 4001).' });

const tags = ['account'];

export const listSessionsRouteSchema = {
  tags,
  summary: 'Your signed-in sessions',
  description: 'Every live session of the account, the most recently seen first; `current` marks this one.',
  security: signedIn,
  response: { 200: z.object({ items: z.array(sessionView) }), ...errorResponses(SESSION_ERRORS) },
};

export const endSessionRouteSchema = {
  tags,
  summary: 'Sign out one session',
  description:
    'Ends the session at once: its cookie stops working and its open streams close (4001). Ending this session signs this browser out and clears its cookie.',
  security: signedInWrite,
  params: idParams,
  response: {
    204: noContent,
    ...errorResponses(WRITE_ERRORS, 'validation_error', 'session_not_found'),
  },
};

export const endOtherSessionsRouteSchema = {
  tags,
  summary: 'Sign out everywhere else',
  description: 'Ends every session of the account but this one.',
  security: signedInWrite,
  response: { 200: sessionsEnded, ...errorResponses(WRITE_ERRORS) },
};

export const changePasswordRouteSchema = {
  tags,
  summary: 'Change your password',
  description:
    'Needs the current password (wrong ones count like failed logins: 429 after 5 a minute from one address). Every other session ends; this one stays.',
  security: signedInWrite,
  body: z.object({ currentPassword: offeredPassword, newPassword }).meta({
    examples: [{ currentPassword: 'plover-quartz-harbour-91', newPassword: 'granite-lantern-orchid-52' }],
  }),
  response: { 200: sessionsEnded, ...errorResponses(BODY_ERRORS, WRITE_ERRORS, 'wrong_password') },
};

export const securityLogRouteSchema = {
  tags,
  summary: 'Your security log',
  description:
    "Sign-ins and failures, sign-outs, password changes, sessions ended, and second-factor, passkey and token changes: newest first, a page at a time (`before`: the previous page's `next`).",
  security: signedIn,
  querystring: z.strictObject({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(100)
      .default(50)
      .meta({ examples: [50] }),
    before: z
      .string()
      .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z_[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/, {
        error: 'Not a page of this log: use the `next` of the previous page.',
      })
      .refine((value) => !Number.isNaN(Date.parse(value.slice(0, 24))), {
        error: 'Not a page of this log: use the `next` of the previous page.',
      })
      .optional()
      .meta({ examples: ['2026-03-02T10:00:00.000Z_0b6f3f0e-8f5d-4f7e-9d55-2f6a1c1f4a10'] }),
  }),
  response: {
    200: z.object({
      items: z.array(securityEvent),
      next: z
        .string()
        .nullable()
        .meta({ description: 'Give it as `before` for the next page; null at the end.' }),
    }),
    ...errorResponses(SESSION_ERRORS, 'validation_error'),
  },
};

export const emailVerificationRouteSchema = {
  tags,
  summary: 'Whether your email address is confirmed',
  description: '`available`: whether this server can send email (SMTP), and so confirm addresses.',
  security: signedIn,
  response: {
    200: z.object({ email: z.string(), verified: z.boolean(), available: z.boolean() }),
    ...errorResponses(SESSION_ERRORS),
  },
};

export const resendVerificationRouteSchema = {
  tags,
  summary: 'Send the confirmation link again',
  description:
    'Mails a new link (valid for an hour, single use) unless the address is confirmed already or a link went out in the last minute. 409 `email_not_configured` without SMTP.',
  security: signedInWrite,
  response: { 202: noContent, ...errorResponses(WRITE_ERRORS, 'email_not_configured') },
};

const authTags = ['auth'];

export const passwordResetAvailableRouteSchema = {
  tags: authTags,
  summary: 'Whether passwords can be reset by email',
  description: 'False without SMTP: the sign-in page then offers no "Forgot password?".',
  security: open,
  response: { 200: z.object({ available: z.boolean() }), ...errorResponses() },
};

export const requestPasswordResetRouteSchema = {
  tags: authTags,
  summary: 'Mail a password reset link',
  description:
    'Always 202, whether or not the address has an account, in the same time: when it has one, a link valid for an hour (single use) is mailed to it. 409 `email_not_configured` without SMTP.',
  security: open,
  body: z.object({ email: emailAddress }).meta({ examples: [{ email: 'ada@example.com' }] }),
  response: {
    202: noContent,
    ...errorResponses(BODY_ERRORS, 'forbidden_origin', 'email_not_configured'),
  },
};

export const confirmPasswordResetRouteSchema = {
  tags: authTags,
  summary: 'Set a new password with a reset link',
  description:
    'The `token` is the one in the link. Uses the link up and ends every session of the account (open streams close); then sign in with the new password.',
  security: open,
  body: z.object({ token: linkToken, newPassword }).meta({
    examples: [
      { token: 'kY3vQ0x9bN2mR7sT5uW1zA4cD6eF8gH0jL2nP4qS6tU', newPassword: 'granite-lantern-orchid-52' },
    ],
  }),
  response: {
    204: noContent,
    ...errorResponses(BODY_ERRORS, 'forbidden_origin', 'invalid_link', 'email_not_configured'),
  },
};

export const verifyEmailRouteSchema = {
  tags: authTags,
  summary: 'Confirm an email address with the mailed link',
  description: 'Works without a session (the link may be opened in another browser), once, within an hour.',
  security: open,
  body: z
    .object({ token: linkToken })
    .meta({ examples: [{ token: 'kY3vQ0x9bN2mR7sT5uW1zA4cD6eF8gH0jL2nP4qS6tU' }] }),
  response: {
    204: noContent,
    ...errorResponses(BODY_ERRORS, 'forbidden_origin', 'invalid_link', 'email_not_configured'),
  },
};
