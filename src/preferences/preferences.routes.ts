import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { callerId } from '../auth/access.js';
import { getPreferencesRouteSchema, savePreferencesRouteSchema } from './preferences.schemas.js';
import type { PreferencesService } from './preferences.service.js';

export async function preferencesRoutes(
  app: FastifyInstance,
  { preferences }: { preferences: PreferencesService },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get('/preferences', { schema: getPreferencesRouteSchema }, async (request) => {
    return preferences.get(callerId(request));
  });

  routes.put('/preferences', { schema: savePreferencesRouteSchema }, async (request) => {
    return preferences.save(callerId(request), request.body);
  });
}
