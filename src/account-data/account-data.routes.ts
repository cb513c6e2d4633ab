import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { currentUser, originOf } from '../auth/auth.hooks.js';
import { clearSessionCookie } from '../auth/session-cookie.js';
import type { Config } from '../config.js';
import { deleteAccountRouteSchema, exportAccountRouteSchema } from './account-data.schemas.js';
import type { AccountDataService } from './account-data.service.js';

export async function accountDataRoutes(
  app: FastifyInstance,
  { account, config }: { account: AccountDataService; config: Config },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  routes.get('/me/export', { schema: exportAccountRouteSchema }, async (request, reply) => {
    const data = await account.export(currentUser(request).user.id);
    const day = data.exportedAt.slice(0, 10);
    return reply
      .header('Content-Disposition', `attachment; filename="stock-tracker-${day}.json"`)
      .header('Cache-Control', 'no-store')
      .send(data);
  });

  routes.delete('/me', { schema: deleteAccountRouteSchema }, async (request, reply) => {
    await account.delete(currentUser(request).user.id, request.body, originOf(request));
    clearSessionCookie(reply, config);
    return reply.code(204).send();
  });
}
