import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { currentUser, requireUser } from '../auth/auth.hooks.js';
import type { AuthService } from '../auth/auth.service.js';
import { addRouteSchema, listRouteSchema, removeRouteSchema } from './portfolio.schemas.js';
import type { PortfolioService } from './portfolio.service.js';

export async function portfolioRoutes(
  app: FastifyInstance,
  { auth, portfolio }: { auth: AuthService; portfolio: PortfolioService },
): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const authenticated = requireUser(auth);

  routes.get('/portfolio', { onRequest: authenticated, schema: listRouteSchema }, async (request) => {
    return { items: await portfolio.list(currentUser(request).user.id) };
  });

  routes.post('/portfolio', { onRequest: authenticated, schema: addRouteSchema }, async (request, reply) => {
    const item = await portfolio.add(currentUser(request).user.id, request.body.symbol);
    return reply.code(201).send({ item });
  });

  routes.delete(
    '/portfolio/:symbol',
    { onRequest: authenticated, schema: removeRouteSchema },
    async (request, reply) => {
      await portfolio.remove(currentUser(request).user.id, request.params.symbol);
      return reply.code(204).send();
    },
  );
}
