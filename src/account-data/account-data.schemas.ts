import { z } from 'zod';
import { offeredPassword } from '../auth/auth.schemas.js';
import { secondFactorCode } from '../auth/two-factor.schemas.js';
import {
  BODY_ERRORS,
  errorResponses,
  isoDateTime,
  noContent,
  SESSION_ERRORS,
  signedIn,
  signedInWrite,
  WRITE_ERRORS,
} from '../http/api.schemas.js';
import { portfolioExportSchema } from '../portfolio/portfolio.schemas.js';

const tags = ['account'];

export const deleteAccountRouteSchema = {
  tags,
  summary: 'Delete the account and everything of it',
  description:
    'Needs the password, and a code (from the app, or a recovery code) when two-factor sign-in is on. Every row of the user goes (watchlist, portfolio accounts and transactions, alerts and their firings, channels, notifications, preferences, tokens, passkeys, sessions, the security log); open streams close. A wrong password or code deletes nothing.',
  security: signedInWrite,
  body: z
    .object({ password: offeredPassword, code: secondFactorCode.optional() })
    .meta({ examples: [{ password: 'not-the-password-at-all' }] }),
  response: {
    204: noContent,
    ...errorResponses(
      BODY_ERRORS,
      WRITE_ERRORS,
      'wrong_password',
      'invalid_code',
      'two_factor_code_required',
    ),
  },
};

const exportedAlert = z.object({
  id: z.uuid(),
  symbol: z.string().nullable(),
  kind: z.string(),
  threshold: z.number(),
  windowMinutes: z.number().nullable(),
  frequency: z.string(),
  hysteresisPercent: z.number(),
  cooldownMinutes: z.number(),
  expiresAt: isoDateTime.nullable(),
  regularHoursOnly: z.boolean(),
  note: z.string().nullable(),
  status: z.string(),
  fireCount: z.number(),
  lastFiredAt: isoDateTime.nullable(),
  createdAt: isoDateTime,
  channels: z.array(z.uuid()),
});

export const accountExportSchema = z
  .object({
    exportedAt: isoDateTime,
    profile: z.object({
      id: z.uuid(),
      username: z.string(),
      email: z.string(),
      role: z.string(),
      createdAt: isoDateTime,
      emailVerifiedAt: isoDateTime.nullable(),
      twoFactorEnabled: z.boolean(),
    }),
    preferences: z.unknown().meta({ description: 'The display settings as saved, or null.' }),
    notificationSettings: z
      .object({ quietStart: z.string().nullable(), quietEnd: z.string().nullable(), timeZone: z.string() })
      .nullable(),
    watchlist: z.array(z.object({ symbol: z.string(), addedAt: isoDateTime })),
    alerts: z.array(exportedAlert),
    alertFirings: z.array(
      z.object({
        id: z.uuid(),
        alertId: z.uuid(),
        occurrence: z.number(),
        symbol: z.string().nullable(),
        kind: z.string(),
        threshold: z.number(),
        price: z.number(),
        firedAt: isoDateTime,
        message: z.string(),
        simulated: z.boolean(),
      }),
    ),
    channels: z
      .array(
        z.object({
          id: z.uuid(),
          type: z.string(),
          name: z.string(),
          url: z.string().nullable(),
          format: z.string().nullable(),
          enabled: z.boolean(),
          createdAt: isoDateTime,
        }),
      )
      .meta({ description: 'Without secrets: no webhook signing secret, no push subscription or keys.' }),
    notifications: z.array(
      z.object({
        id: z.uuid(),
        kind: z.string(),
        alertId: z.uuid().nullable(),
        symbol: z.string().nullable(),
        price: z.number().nullable(),
        message: z.string(),
        createdAt: isoDateTime,
        readAt: isoDateTime.nullable(),
      }),
    ),
    apiTokens: z
      .array(
        z.object({
          id: z.uuid(),
          name: z.string(),
          scopes: z.array(z.string()),
          lastFour: z.string(),
          createdAt: isoDateTime,
          lastUsedAt: isoDateTime.nullable(),
          expiresAt: isoDateTime.nullable(),
        }),
      )
      .meta({ description: 'What the tokens are, never the tokens.' }),
    passkeys: z.array(
      z.object({ name: z.string(), createdAt: isoDateTime, lastUsedAt: isoDateTime.nullable() }),
    ),
    portfolio: portfolioExportSchema,
    securityLog: z.array(
      z.object({
        kind: z.string(),
        detail: z.unknown(),
        address: z.string().nullable(),
        userAgent: z.string().nullable(),
        createdAt: isoDateTime,
      }),
    ),
  })
  .meta({ id: 'AccountExport', description: 'Everything the account holds, as JSON.' });
export type AccountExport = z.infer<typeof accountExportSchema>;

export const exportAccountRouteSchema = {
  tags,
  summary: 'Download everything the account holds (JSON)',
  description: 'Served as a download (`Content-Disposition: attachment`). Secrets are left out.',
  security: signedIn,
  response: { 200: accountExportSchema, ...errorResponses(SESSION_ERRORS) },
};
