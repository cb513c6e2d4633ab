import { z } from 'zod';
import {
  BODY_ERRORS,
  DATA_WRITE_ERRORS,
  errorResponses,
  isoDateTime,
  READ_ERRORS,
  readAccess,
  sessionWriteOrToken,
} from '../http/api.schemas.js';

export const notificationSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(['alert_fired', 'alert_paused', 'channel_disabled']),
    alertId: z.uuid().nullable(),
    symbol: z.string().nullable(),
    message: z.string(),
    price: z.number().nullable(),
    firedAt: isoDateTime,
    read: z.boolean(),
  })
  .meta({ id: 'Notification' });
export type NotificationView = z.infer<typeof notificationSchema>;

const tags = ['notifications'];

export const listNotificationsRouteSchema = {
  tags,
  summary: 'The notification centre: newest first, with the unread count',
  security: readAccess,
  querystring: z.object({
    unread: z
      .enum(['true', 'false'])
      .optional()
      .meta({ description: '`true`: only unread ones.', examples: ['true'] }),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(200)
      .default(50)
      .meta({ examples: [50] }),
  }),
  response: {
    200: z.object({ items: z.array(notificationSchema), unread: z.number() }),
    ...errorResponses(READ_ERRORS, 'validation_error'),
  },
};

export const markReadRouteSchema = {
  tags,
  summary: 'Mark notifications read: some (`ids`) or all (`all: true`)',
  security: sessionWriteOrToken('alerts:write'),
  body: z
    .union([
      z
        .object({
          ids: z
            .array(z.uuid({ error: 'Each id is a notification id.' }))
            .min(1)
            .max(500),
        })
        .strict(),
      z.object({ all: z.literal(true) }).strict(),
    ])
    .meta({ examples: [{ ids: ['5f0c0a64-36a4-4c53-9c2a-2f0b8f0e7f1a'] }, { all: true }] }),
  response: { 200: z.object({ unread: z.number() }), ...errorResponses(BODY_ERRORS, DATA_WRITE_ERRORS) },
};
