import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { currentUser, originOf } from './auth.hooks.js';
import {
  twoFactorDisableRouteSchema,
  twoFactorEnableRouteSchema,
  twoFactorSetupRouteSchema,
  twoFactorStatusRouteSchema,
} from './two-factor.schemas.js';
import type { TwoFactorService } from './two-factor.service.js';

/** The signed-in user's two-factor sign-in: its state, setting it up, turning it on and off. */
export async function twoFactorRoutes(
  app: FastifyInstance,
  { twoFactor }: { twoFactor: TwoFactorService },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get('/me/2fa', { schema: twoFactorStatusRouteSchema }, async (request) => {
    const status = await twoFactor.status(currentUser(request).user.id);
    return { ...status, enabledAt: status.enabledAt?.toISOString() ?? null };
  });

  routes.post('/me/2fa/setup', { schema: twoFactorSetupRouteSchema }, async (request) =>
    twoFactor.setup(currentUser(request).user.id),
  );

  routes.post('/me/2fa/enable', { schema: twoFactorEnableRouteSchema }, async (request) =>
    twoFactor.enable(currentUser(request).user.id, request.body.code, originOf(request)),
  );

  routes.post('/me/2fa/disable', { schema: twoFactorDisableRouteSchema }, async (request, reply) => {
    await twoFactor.disable(currentUser(request).user.id, request.body, originOf(request));
    return reply.code(204).send();
  });
}
