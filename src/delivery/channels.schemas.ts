import { z } from 'zod';
import {
  BODY_ERRORS,
  DATA_WRITE_ERRORS,
  errorResponses,
  idParams,
  isoDateTime,
  noContent,
  READ_ERRORS,
  readAccess,
  sessionWriteOrToken,
  text,
} from '../http/api.schemas.js';

export const CHANNEL_TYPES = ['email', 'webhook', 'push'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const WEBHOOK_FORMATS = ['standard', 'ntfy', 'slack', 'discord'] as const;
export const webhookFormatSchema = z
  .enum(WEBHOOK_FORMATS, { error: 'Format is standard, ntfy, slack or discord.' })
  .meta({
    id: 'WebhookFormat',
    description:
      '`standard`: Standard Webhooks JSON `{type, timestamp, data}`. `ntfy`: a plain-text publish to the topic URL with `Title`/`Tags`/`Priority` headers. `slack`: `{text, blocks}`. `discord`: `{content, embeds}`. Every format is signed (`webhook-id`, `webhook-timestamp`, `webhook-signature`).',
  });
export type WebhookFormat = z.infer<typeof webhookFormatSchema>;

const MAX_URL_LENGTH = 2000;

const nameField = text('Name')
  .trim()
  .min(1, { error: 'Name is required.' })
  .max(100, { error: 'A name has at most 100 characters.' });
const urlField = text('URL')
  .trim()
  .max(MAX_URL_LENGTH, { error: `A URL has at most ${MAX_URL_LENGTH} characters.` })
  .refine((value) => URL.canParse(value), { error: 'Not a URL.' })
  .refine((value) => !URL.canParse(value) || ['http:', 'https:'].includes(new URL(value).protocol), {
    error: 'Only http:// and https:// URLs.',
  });
/** A Web Push key: unpadded base64url, as `PushSubscription.toJSON()` gives it. */
const pushKey = (label: string, max: number) =>
  z
    .string({ error: `${label} is required.` })
    .min(16, { error: `${label} is too short.` })
    .max(max, { error: `${label} is too long.` })
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, { error: `${label} must be base64url.` });

/** One browser's Web Push subscription, as `PushSubscription.toJSON()` gives it. */
const subscriptionSchema = z.object({
  endpoint: urlField,
  keys: z.object({ p256dh: pushKey('p256dh', 200), auth: pushKey('auth', 50) }),
});

const createChannelBody = z
  .discriminatedUnion(
    'type',
    [
      z.object({ type: z.literal('email'), name: nameField }),
      z.object({
        type: z.literal('webhook'),
        name: nameField,
        url: urlField,
        format: webhookFormatSchema.default('standard'),
      }),
      z.object({ type: z.literal('push'), name: nameField, subscription: subscriptionSchema }),
    ],
    { error: 'Type is email, webhook or push.' },
  )
  .meta({
    description:
      '`email`: to the account’s address (only when the server has SMTP). `webhook`: a public http(s) URL. `push`: this browser’s Web Push subscription (`PushSubscription.toJSON()`); subscribing the same browser again replaces its channel.',
    examples: [
      {
        type: 'webhook',
        name: 'Home automation',
        url: 'https://203.0.113.7/hooks/stock-alerts',
        format: 'standard',
      },
      { type: 'webhook', name: 'Phone (ntfy)', url: 'https://ntfy.sh/my-stock-alerts', format: 'ntfy' },
      { type: 'email', name: 'Email' },
    ],
  });
export type CreateChannelInput = z.infer<typeof createChannelBody>;

const patchChannelBody = z
  .object({
    name: nameField,
    url: urlField.meta({ description: 'Webhooks only.' }),
    format: webhookFormatSchema.meta({ description: 'Webhooks only.' }),
    enabled: z.boolean({ error: 'Enabled is true or false.' }).meta({
      description: 'A channel that failed for five days is turned off; `true` turns it on again.',
    }),
  })
  .partial()
  .strict()
  .meta({ examples: [{ name: 'Phone' }, { enabled: true }] });
export type ChannelPatch = z.infer<typeof patchChannelBody>;

export const channelSchema = z
  .object({
    id: z.uuid(),
    type: z.enum(CHANNEL_TYPES),
    name: z.string(),
    url: z.string().nullable().meta({ description: 'Webhooks: the URL. Push: the push service’s origin.' }),
    format: webhookFormatSchema.nullable(),
    enabled: z.boolean(),
    failingSince: isoDateTime
      .nullable()
      .meta({ description: 'The first failure of the current run of failures.' }),
    createdAt: isoDateTime,
  })
  .meta({ id: 'Channel' });
export type ChannelView = z.infer<typeof channelSchema>;

const timeOfDay = z
  .string({ error: 'A time is required, e.g. 22:00.' })
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'A time is HH:MM, 00:00-23:59.' });

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const notificationSettingsSchema = z
  .object({
    quietHours: z
      .object({ start: timeOfDay, end: timeOfDay })
      .refine((hours) => hours.start !== hours.end, { error: 'Start and end must differ.', path: ['end'] })
      .nullable()
      .meta({
        description: 'Local times in `timeZone`; may span midnight. Push and email wait until `end`.',
      }),
    timeZone: z
      .string({ error: 'Time zone is required, e.g. Europe/Berlin.' })
      .max(64, { error: 'Not a time zone.' })
      .refine(isTimeZone, { error: 'Not an IANA time zone, e.g. Europe/Berlin.' }),
  })
  .meta({
    id: 'NotificationSettings',
    examples: [{ quietHours: { start: '22:00', end: '07:00' }, timeZone: 'Europe/Berlin' }],
  });
export type NotificationSettings = z.infer<typeof notificationSettingsSchema>;

const tags = ['channels'];

export const listChannelsRouteSchema = {
  tags,
  summary: "The user's delivery channels (email, webhooks, browsers)",
  description: '`emailAvailable`: whether the server can send email (an email channel can be created).',
  security: readAccess,
  response: {
    200: z.object({ items: z.array(channelSchema), emailAvailable: z.boolean() }),
    ...errorResponses(READ_ERRORS),
  },
};

export const createChannelRouteSchema = {
  tags,
  summary: 'Add a delivery channel',
  description:
    'A webhook’s signing secret (`whsec_…`, Standard Webhooks) is in this answer only. A webhook URL must be http(s) and reach a public address (unless the server sets WEBHOOK_ALLOW_PRIVATE).',
  security: sessionWriteOrToken('alerts:write'),
  body: createChannelBody,
  response: {
    201: z.object({
      channel: channelSchema,
      secret: z
        .string()
        .nullable()
        .meta({ description: 'Webhooks: the `whsec_` signing secret, shown once.' }),
    }),
    ...errorResponses(BODY_ERRORS, DATA_WRITE_ERRORS, 'invalid_webhook_url', 'email_not_configured'),
  },
};

export const patchChannelRouteSchema = {
  tags,
  summary: 'Rename a channel, change a webhook’s URL or format, or turn a channel on or off',
  security: sessionWriteOrToken('alerts:write'),
  params: idParams,
  body: patchChannelBody,
  response: {
    200: z.object({ channel: channelSchema }),
    ...errorResponses(BODY_ERRORS, DATA_WRITE_ERRORS, 'channel_not_found', 'invalid_webhook_url'),
  },
};

export const deleteChannelRouteSchema = {
  tags,
  summary: 'Remove a channel (alerts using it keep their other channels)',
  security: sessionWriteOrToken('alerts:write'),
  params: idParams,
  response: { 204: noContent, ...errorResponses(DATA_WRITE_ERRORS, 'validation_error', 'channel_not_found') },
};

export const testChannelRouteSchema = {
  tags,
  summary: 'Send a test message through a channel now',
  description:
    'Answers whether it went out; a failure is `ok: false` with the reason, never an error status.',
  security: sessionWriteOrToken('alerts:write'),
  params: idParams,
  response: {
    200: z.object({ ok: z.boolean(), error: z.string().nullable() }),
    ...errorResponses(DATA_WRITE_ERRORS, 'validation_error', 'channel_not_found'),
  },
};

export const getSettingsRouteSchema = {
  tags,
  summary: 'Quiet hours and time zone',
  description: 'No quiet hours, UTC, until the user saves some.',
  security: readAccess,
  response: { 200: notificationSettingsSchema, ...errorResponses(READ_ERRORS) },
};

export const putSettingsRouteSchema = {
  tags,
  summary: 'Save quiet hours and time zone',
  security: sessionWriteOrToken('alerts:write'),
  body: notificationSettingsSchema,
  response: { 200: notificationSettingsSchema, ...errorResponses(BODY_ERRORS, DATA_WRITE_ERRORS) },
};

export const pushKeyRouteSchema = {
  tags,
  summary: "The server's VAPID public key, for the browser's push subscription",
  security: readAccess,
  response: {
    200: z.object({
      publicKey: z
        .string()
        .meta({ description: 'base64url; `applicationServerKey` of `pushManager.subscribe`.' }),
    }),
    ...errorResponses(READ_ERRORS),
  },
};

/** One channel's delivery of one firing, as the alert log shows it. */
export const deliveryOutcomeSchema = z
  .object({
    channelId: z.uuid(),
    channelName: z.string(),
    channelType: z.enum(['email', 'webhook', 'push']),
    status: z.enum(['pending', 'sent', 'failed']),
    attempts: z.number(),
    nextAttemptAt: isoDateTime.nullable(),
    lastError: z.string().nullable(),
    sentAt: isoDateTime.nullable(),
  })
  .meta({ id: 'DeliveryOutcome' });
