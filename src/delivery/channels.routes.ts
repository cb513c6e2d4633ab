import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { callerId } from '../auth/access.js';
import {
  createChannelRouteSchema,
  deleteChannelRouteSchema,
  getSettingsRouteSchema,
  listChannelsRouteSchema,
  patchChannelRouteSchema,
  pushKeyRouteSchema,
  putSettingsRouteSchema,
  testChannelRouteSchema,
} from './channels.schemas.js';
import type { ChannelsService } from './channels.service.js';

export async function channelsRoutes(
  app: FastifyInstance,
  { channels, vapidPublicKey }: { channels: ChannelsService; vapidPublicKey: string },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get('/channels', { schema: listChannelsRouteSchema }, async (request) => {
    const items = await channels.list(callerId(request));
    return { items, emailAvailable: channels.emailAvailable };
  });

  routes.post('/channels', { schema: createChannelRouteSchema }, async (request, reply) => {
    return reply.code(201).send(await channels.create(callerId(request), request.body));
  });

  routes.patch('/channels/:id', { schema: patchChannelRouteSchema }, async (request) => {
    return { channel: await channels.update(callerId(request), request.params.id, request.body) };
  });

  routes.delete('/channels/:id', { schema: deleteChannelRouteSchema }, async (request, reply) => {
    await channels.remove(callerId(request), request.params.id);
    return reply.code(204).send();
  });

  routes.post('/channels/:id/test', { schema: testChannelRouteSchema }, async (request) => {
    return channels.test(callerId(request), request.params.id);
  });

  routes.get('/notification-settings', { schema: getSettingsRouteSchema }, async (request) => {
    return channels.settings(callerId(request));
  });

  routes.put('/notification-settings', { schema: putSettingsRouteSchema }, async (request) => {
    return channels.saveSettings(callerId(request), request.body);
  });

  routes.get('/push/key', { schema: pushKeyRouteSchema }, async () => ({ publicKey: vapidPublicKey }));
}
