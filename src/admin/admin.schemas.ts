import { z } from 'zod';
import {
  BODY_ERRORS,
  errorResponses,
  idParams,
  isoDateTime,
  noContent,
  SESSION_ERRORS,
  signedIn,
  signedInWrite,
  text,
  WRITE_ERRORS,
} from '../http/api.schemas.js';
import { CAPABILITIES, SOURCE_IDS } from '../market/kernel/sources.js';

/** Every admin route answers 403 `forbidden` to a signed-in user who is not an admin. */
const READ_ERRORS = [...SESSION_ERRORS, 'forbidden'] as const;
const CHANGE_ERRORS = [...WRITE_ERRORS, 'forbidden'] as const;

const tags = ['admin'];

export const roleSchema = z.enum(['admin', 'user']);

const adminUserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    email: z.string(),
    role: roleSchema,
    disabled: z.boolean(),
    twoFactorEnabled: z.boolean(),
    createdAt: isoDateTime,
    lastSeenAt: isoDateTime.nullable().meta({ description: 'The latest any of its sessions was used.' }),
  })
  .meta({ id: 'AdminUser' });
export type AdminUser = z.infer<typeof adminUserSchema>;

export const listUsersSchema = {
  tags,
  summary: 'Accounts, searched by username or email',
  description: 'At most 200, oldest first.',
  security: signedIn,
  querystring: z.object({
    query: text('Search')
      .trim()
      .max(254, { error: 'Search is too long.' })
      .default('')
      .meta({ description: 'Part of a username or email; every account when empty.', examples: ['ada'] }),
  }),
  response: {
    200: z.object({ items: z.array(adminUserSchema) }),
    ...errorResponses(READ_ERRORS, 'validation_error'),
  },
};

export const updateUserSchema = {
  tags,
  summary: 'Disable or enable an account, or change its role',
  description:
    'Disabling ends its sessions at once (and its open streams); a disabled account cannot sign in (403 `account_disabled`). 409 `last_admin` when the change would leave no active administrator.',
  security: signedInWrite,
  params: idParams,
  body: z
    .strictObject({
      disabled: z.boolean({ error: 'disabled is true or false.' }).optional(),
      role: roleSchema.optional(),
    })
    .refine((body) => body.disabled !== undefined || body.role !== undefined, {
      error: 'Give disabled, role or both.',
    })
    .meta({ examples: [{ disabled: true }, { role: 'admin' }] }),
  response: {
    200: z.object({ user: adminUserSchema }),
    ...errorResponses(BODY_ERRORS, CHANGE_ERRORS, 'user_not_found', 'last_admin'),
  },
};

export const deleteUserSchema = {
  tags,
  summary: 'Delete an account with all its data',
  description:
    'Its watchlist, alerts, channels, notifications, sessions and tokens go; its open streams close. 409 `last_admin` for the last active administrator.',
  security: signedInWrite,
  params: idParams,
  response: {
    204: noContent,
    ...errorResponses(CHANGE_ERRORS, 'validation_error', 'user_not_found', 'last_admin'),
  },
};

const inviteSchema = z
  .object({
    id: z.string(),
    status: z.enum(['open', 'used', 'expired']),
    createdAt: isoDateTime,
    expiresAt: isoDateTime,
    createdBy: z.string().nullable().meta({ description: 'The username of the admin who created it.' }),
    usedAt: isoDateTime.nullable(),
    usedBy: z.string().nullable().meta({ description: 'The username of the account it made.' }),
  })
  .meta({ id: 'Invite' });
export type Invite = z.infer<typeof inviteSchema>;

export const listInvitesSchema = {
  tags,
  summary: 'Invitations, newest first',
  description: 'The codes themselves are not kept (only a hash): a link is shown once, when created.',
  security: signedIn,
  response: {
    200: z.object({ items: z.array(inviteSchema) }),
    ...errorResponses(READ_ERRORS),
  },
};

export const MAX_INVITE_DAYS = 90;

export const createInviteSchema = {
  tags,
  summary: 'Create an invitation link',
  description:
    'Single use. The link is `PUBLIC_URL` (or the address this request came to) + `/register?invite=CODE`; shown this once.',
  security: signedInWrite,
  body: z
    .strictObject({
      expiresInDays: z
        .number({ error: 'expiresInDays is a number of days.' })
        .int({ error: 'expiresInDays is a whole number of days.' })
        .min(1, { error: `expiresInDays is 1-${MAX_INVITE_DAYS}.` })
        .max(MAX_INVITE_DAYS, { error: `expiresInDays is 1-${MAX_INVITE_DAYS}.` })
        .default(7),
    })
    .meta({ examples: [{ expiresInDays: 7 }] }),
  response: {
    201: z.object({
      id: z.string(),
      code: z.string(),
      url: z.string(),
      expiresAt: isoDateTime,
    }),
    ...errorResponses(BODY_ERRORS, CHANGE_ERRORS),
  },
};

export const revokeInviteSchema = {
  tags,
  summary: 'Revoke an invitation',
  description: 'Its link stops working at once.',
  security: signedInWrite,
  params: idParams,
  response: {
    204: noContent,
    ...errorResponses(CHANGE_ERRORS, 'validation_error', 'invite_not_found'),
  },
};

const count = z.number().int();

const adminHealthSchema = z.object({
  feed: z.object({
    mode: z
      .enum(['simulated', 'live'])
      .meta({ description: 'MARKET_DATA: the simulated market or real sources.' }),
    sources: z
      .array(
        z.object({
          id: z.enum(SOURCE_IDS),
          name: z.string(),
          capabilities: z
            .array(z.enum(CAPABILITIES))
            .meta({ description: 'What it is asked for, by the configured order.' }),
          breaker: z.enum(['closed', 'open', 'half_open']).meta({
            description: 'closed: asked; open: skipped after repeated failures; half_open: one probe next.',
          }),
          failuresInARow: count,
          opens: count.meta({ description: 'Times the breaker has opened since the start.' }),
          budget: z.object({ used: count, perMinute: count }).nullable(),
          limits: z.string(),
          lastError: z.object({ message: z.string(), at: isoDateTime }).nullable(),
        }),
      )
      .meta({ description: 'Each real-data source that is on; empty for the simulated market.' }),
    status: z.enum(['live', 'degraded', 'reconnecting', 'unauthorized', 'simulated']),
    connected: z.boolean().meta({ description: 'Whether the upstream connection is up.' }),
    subscriptions: count.meta({ description: 'Symbols subscribed on the upstream connection.' }),
    symbols: z.object({ live: count, polled: count, leftOut: count }),
    rest: z
      .object({
        used: count.meta({ description: 'REST calls made in the current minute window.' }),
        remaining: count,
        perMinute: count,
        rateLimitedToday: count.meta({ description: '429 answers since midnight UTC.' }),
        lastError: z.object({ message: z.string(), at: isoDateTime }).nullable(),
      })
      .nullable(),
  }),
  stream: z.object({ clients: count.meta({ description: 'Browser streams open on this instance.' }) }),
  deliveries: z
    .array(
      z.object({
        channelType: z.string(),
        pending: count,
        failed: count.meta({ description: 'Failed for good in the last 24 hours.' }),
      }),
    )
    .meta({ description: 'Per channel type; a type with nothing pending or failed is absent.' }),
});
export type AdminHealth = z.infer<typeof adminHealthSchema>;

export const healthSchema = {
  tags,
  summary: 'How the instance is doing: market feed, streams, alert deliveries',
  description:
    "This instance's view (in a cluster, the feed leader's figures are the ones that count). `rest` is null for the simulated market.",
  security: signedIn,
  response: {
    200: adminHealthSchema,
    ...errorResponses(READ_ERRORS),
  },
};

const auditEntrySchema = z
  .object({
    id: z.string(),
    kind: z.string().meta({ description: 'e.g. `login_succeeded`, `login_failed`, `admin_user_disabled`.' }),
    at: isoDateTime,
    user: z
      .object({ id: z.string(), username: z.string().nullable() })
      .nullable()
      .meta({ description: 'The account it happened to.' }),
    actor: z
      .object({ id: z.string(), username: z.string().nullable() })
      .nullable()
      .meta({ description: 'The admin who did it (null from the command line).' }),
    targetId: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
    address: z.string().nullable(),
    userAgent: z.string().nullable(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const AUDIT_PAGE = 50;

export const auditSchema = {
  tags,
  summary: 'The audit log: admin actions and sign-ins, newest first',
  security: signedIn,
  querystring: z.object({
    kind: text('Kind')
      .trim()
      .regex(/^[a-z0-9_]{1,64}$/, { error: 'Kind is a snake_case event kind.' })
      .optional()
      .meta({ examples: ['admin_user_disabled'] }),
    user: text('User')
      .trim()
      .min(1)
      .max(254, { error: 'User is too long.' })
      .optional()
      .meta({
        description: 'A username, email or id: rows about that account or by it.',
        examples: ['ada'],
      }),
    from: isoDateTime.optional().meta({ examples: ['2026-01-01T00:00:00Z'] }),
    to: isoDateTime.optional().meta({ examples: ['2026-12-31T23:59:59Z'] }),
    offset: z.coerce
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(0)
      .meta({ description: 'Rows to skip: the next page starts at `nextOffset`.', examples: [0] }),
  }),
  response: {
    200: z.object({
      items: z.array(auditEntrySchema),
      nextOffset: z.number().int().nullable().meta({ description: 'Null on the last page.' }),
    }),
    ...errorResponses(READ_ERRORS, 'validation_error'),
  },
};
