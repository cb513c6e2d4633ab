import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { currentUser, requireUser } from '../auth/auth.hooks.js';
import type { AuthService } from '../auth/auth.service.js';
import { getPreferencesRouteSchema, savePreferencesRouteSchema } from './preferences.schemas.js';
import type { PreferencesService } from './preferences.service.js';

export async function preferencesRoutes(
  app: FastifyInstance,
  { auth, preferences }: { auth: AuthService; preferences: PreferencesService },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const authenticated = requireUser(auth);

  routes.get(
    '/preferences',
    { onRequest: authenticated, schema: getPreferencesRouteSchema },
    async (request) => {
      return preferences.get(currentUser(request).user.id);
    },
  );

  routes.put(
    '/preferences',
    { onRequest: authenticated, schema: savePreferencesRouteSchema },
    async (request) => {
      return preferences.save(currentUser(request).user.id, request.body);
    },
  );
}
