import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { callerId } from '../auth/access.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { countUnread, listNotifications, markRead } from './notifications.repository.js';
import {
  listNotificationsRouteSchema,
  markReadRouteSchema,
  type NotificationView,
} from './notifications.schemas.js';

export async function notificationsRoutes(
  app: FastifyInstance,
  { db, clock }: { db: Database; clock: Clock },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get('/notifications', { schema: listNotificationsRouteSchema }, async (request) => {
    const userId = callerId(request);
    const { unread, limit } = request.query;
    const [rows, unreadCount] = await Promise.all([
      listNotifications(db, userId, { unreadOnly: unread === 'true', limit }),
      countUnread(db, userId),
    ]);
    const items: NotificationView[] = rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      alertId: row.ruleId,
      symbol: row.symbol,
      message: row.message,
      price: row.price,
      firedAt: row.createdAt.toISOString(),
      read: row.readAt !== null,
    }));
    return { items, unread: unreadCount };
  });

  routes.post('/notifications/read', { schema: markReadRouteSchema }, async (request) => {
    const userId = callerId(request);
    const { body } = request;
    await markRead(db, userId, 'ids' in body ? body.ids : 'all', new Date(clock.now()));
    return { unread: await countUnread(db, userId) };
  });
}
