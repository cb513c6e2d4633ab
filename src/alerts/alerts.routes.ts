import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { callerId } from '../auth/access.js';
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

  routes.get('/alerts', { schema: listAlertsRouteSchema }, async (request) => ({
    items: await alerts.list(callerId(request)),
  }));

  routes.post('/alerts', { schema: createAlertRouteSchema }, async (request, reply) => {
    return reply.code(201).send(await alerts.create(callerId(request), request.body));
  });

  routes.post('/alerts/preview', { schema: previewAlertRouteSchema }, async (request) =>
    preview.preview(callerId(request), request.body),
  );

  routes.get('/alerts/:id', { schema: getAlertRouteSchema }, async (request) => ({
    alert: await alerts.get(callerId(request), request.params.id),
  }));

  routes.patch('/alerts/:id', { schema: patchAlertRouteSchema }, async (request) => ({
    alert: await alerts.update(callerId(request), request.params.id, request.body),
  }));

  routes.delete('/alerts/:id', { schema: deleteAlertRouteSchema }, async (request, reply) => {
    await alerts.remove(callerId(request), request.params.id);
    return reply.code(204).send();
  });

  routes.get('/alerts/:id/events', { schema: alertEventsRouteSchema }, async (request) => ({
    items: await alerts.events(callerId(request), request.params.id),
  }));

  routes.post('/alerts/events/:id/redeliver', { schema: redeliverRouteSchema }, async (request) => ({
    event: await alerts.redeliver(callerId(request), request.params.id),
  }));
}
