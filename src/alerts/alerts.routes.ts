import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { currentUser } from '../auth/auth.hooks.js';
import type { AlertPreviewer } from './alert-preview.js';
import {
  alertEventsRouteSchema,
  createAlertRouteSchema,
  deleteAlertRouteSchema,
  getAlertRouteSchema,
  listAlertsRouteSchema,
  patchAlertRouteSchema,
  previewAlertRouteSchema,
  redeliverRouteSchema,
} from './alerts.schemas.js';
import type { AlertsService } from './alerts.service.js';

export async function alertsRoutes(
  app: FastifyInstance,
  { alerts, preview }: { alerts: AlertsService; preview: AlertPreviewer },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const userOf = (request: Parameters<typeof currentUser>[0]) => currentUser(request).user.id;

  routes.get('/alerts', { schema: listAlertsRouteSchema }, async (request) => ({
    items: await alerts.list(userOf(request)),
  }));

  routes.post('/alerts', { schema: createAlertRouteSchema }, async (request, reply) => {
    return reply.code(201).send(await alerts.create(userOf(request), request.body));
  });

  routes.post('/alerts/preview', { schema: previewAlertRouteSchema }, async (request) =>
    preview.preview(userOf(request), request.body),
  );

  routes.get('/alerts/:id', { schema: getAlertRouteSchema }, async (request) => ({
    alert: await alerts.get(userOf(request), request.params.id),
  }));

  routes.patch('/alerts/:id', { schema: patchAlertRouteSchema }, async (request) => ({
    alert: await alerts.update(userOf(request), request.params.id, request.body),
  }));

  routes.delete('/alerts/:id', { schema: deleteAlertRouteSchema }, async (request, reply) => {
    await alerts.remove(userOf(request), request.params.id);
    return reply.code(204).send();
  });

  routes.get('/alerts/:id/events', { schema: alertEventsRouteSchema }, async (request) => ({
    items: await alerts.events(userOf(request), request.params.id),
  }));

  routes.post('/alerts/events/:id/redeliver', { schema: redeliverRouteSchema }, async (request) => ({
    event: await alerts.redeliver(userOf(request), request.params.id),
  }));
}
